/// Streaming checkpoints: the snapshot goes from the state machine to the file (and back)
/// without ever being held whole in memory. A 10-million-transfer partition's snapshot is
/// 1.3 GB; buffering it doubled peak memory and, on our VMs, first-touching the buffer cost
/// more than writing it.
extension CheckpointStore {
    /// Writes the checkpoint of `op` whose snapshot is exactly `snapshotLength` bytes, handed
    /// over by `body` in pieces. Same atomicity and durability as `write(op:timestamp:snapshot:)`:
    /// body first, then the header with the checksum, `fdatasync`, `rename`, directory `fsync`.
    public func write(
        op: UInt64, timestamp: UInt64, snapshotLength: UInt64,
        body: (inout CheckpointStreamWriter) throws -> Void
    ) throws {
        let final = path(op: op)
        let temporary = final + ".tmp"
        var header = [UInt8](repeating: 0, count: CheckpointFormat.headerSize)
        header.withUnsafeMutableBytes { raw in
            raw.storeLE(CheckpointFormat.magic, at: 0)
            raw.storeLE(CheckpointFormat.version, at: 4)
            raw.storeLE(partition, at: 12)
            raw.storeLE(op, at: 16)
            raw.storeLE(timestamp, at: 24)
            raw.storeLE(snapshotLength, at: 32)
        }
        let file = try io.openFile(temporary, mode: .truncate)
        do {
            var writer = CheckpointStreamWriter(io: io, file: file, crc: CRC32C.checksum(header))
            try body(&writer)
            guard writer.written == snapshotLength else {
                throw StorageError(.corruption, "snapshot was \(writer.written) bytes, \(snapshotLength) announced", path: temporary)
            }
            header.withUnsafeMutableBytes { $0.storeLE(writer.crc, at: CheckpointFormat.checksumOffset) }
            try io.write(file, at: 0, header)
            try io.syncData(file)
            io.close(file)
        } catch {
            io.close(file)
            try? io.removeFile(temporary)
            throw error
        }
        try io.rename(temporary, to: final)
        try io.syncDirectory(directory)
        try prune()
    }

    /// Opens the newest checkpoint for streaming, after checking its header and length; the
    /// checksum is checked by `CheckpointStreamReader.finish()`, so use nothing read from it
    /// before that returns. Nil when there is no checkpoint.
    public func openNewest() throws(StorageError) -> CheckpointStreamReader? {
        guard let op = try ops().last else { return nil }
        let path = path(op: op)
        let file = try io.openFile(path, mode: .readOnly)
        do throws(StorageError) {
            let size = try io.size(of: file)
            let header = try io.read(file, at: 0, count: CheckpointFormat.headerSize)
            guard header.count == CheckpointFormat.headerSize else {
                throw StorageError(.corruption, "checkpoint is \(size) bytes, shorter than its header", path: path, offset: size)
            }
            return try withRawBytes(header) { (raw) throws(StorageError) -> CheckpointStreamReader in
                guard raw.loadLE(at: 0, as: UInt32.self) == CheckpointFormat.magic else {
                    throw StorageError(.badMagic, "checkpoint has bad magic", path: path, offset: 0)
                }
                guard raw.loadLE(at: 4, as: UInt16.self) == CheckpointFormat.version,
                      raw.loadLE(at: 6, as: UInt16.self) == 0, raw.loadLE(at: 40, as: UInt64.self) == 0 else {
                    throw StorageError(.unsupportedVersion, "checkpoint format version or reserved bytes differ", path: path, offset: 4)
                }
                let length: UInt64 = raw.loadLE(at: 32)
                guard length == size - UInt64(CheckpointFormat.headerSize) else {
                    throw StorageError(.corruption, "checkpoint header says \(length) snapshot bytes, file holds \(size - 48)", path: path, offset: 32)
                }
                guard raw.loadLE(at: 12, as: UInt32.self) == partition, raw.loadLE(at: 16, as: UInt64.self) == op else {
                    throw StorageError(.corruption, "checkpoint file for op \(op) of partition \(partition) holds another", path: path, offset: 12)
                }
                var zeroed = header
                zeroed.withUnsafeMutableBytes { $0.storeLE(UInt32(0), at: CheckpointFormat.checksumOffset) }
                return CheckpointStreamReader(
                    io: io, file: file, path: path, op: op, timestamp: raw.loadLE(at: 24), length: length,
                    expectedCRC: raw.loadLE(at: CheckpointFormat.checksumOffset), crc: CRC32C.checksum(zeroed))
            }
        } catch {
            io.close(file)
            throw error
        }
    }
}

/// Appends a checkpoint's snapshot to its file, checksumming as it goes.
public struct CheckpointStreamWriter {
    let io: any FileIO
    let file: FileIOHandle
    var crc: UInt32
    public private(set) var written: UInt64 = 0

    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        try io.write(file, at: UInt64(CheckpointFormat.headerSize) + written, bytes)
        crc = CRC32C.update(crc, bytes)
        written += UInt64(bytes.count)
    }
}

/// Reads a checkpoint's snapshot in order straight into the caller's buffers.
public struct CheckpointStreamReader {
    let io: any FileIO
    let file: FileIOHandle
    public let path: String
    public let op: UInt64
    public let timestamp: UInt64
    public let length: UInt64
    let expectedCRC: UInt32
    var crc: UInt32
    public private(set) var consumed: UInt64 = 0

    /// Fills `buffer` with the next bytes of the snapshot.
    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(StorageError) {
        guard UInt64(buffer.count) <= length - consumed else {
            throw StorageError(.corruption, "snapshot ends at \(length) bytes; more were expected", path: path,
                               offset: UInt64(CheckpointFormat.headerSize) + consumed)
        }
        let got = try io.read(file, at: UInt64(CheckpointFormat.headerSize) + consumed, into: buffer)
        guard got == buffer.count else {
            throw StorageError(.corruption, "checkpoint shorter than its header says", path: path,
                               offset: UInt64(CheckpointFormat.headerSize) + consumed + UInt64(got))
        }
        crc = CRC32C.update(crc, UnsafeRawBufferPointer(buffer))
        consumed += UInt64(got)
    }

    /// Reads whatever of the snapshot is left and then does `finish()`: used when the snapshot
    /// failed to load, to tell damage (a checksum failure naming the file) from a bug.
    public mutating func verifyRest() throws(StorageError) {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while consumed < length {
            let count = Int(min(UInt64(buffer.count), length - consumed))
            do {
                try withMutableRawBytes(&buffer) { (raw) throws(StorageError) in
                    try read(into: UnsafeMutableRawBufferPointer(rebasing: raw[..<count]))
                }
            } catch {
                io.close(file)
                throw error
            }
        }
        try finish()
    }

    /// Checks that the whole snapshot was read and matches its checksum; closes the file.
    public func finish() throws(StorageError) {
        io.close(file)
        guard consumed == length else {
            throw StorageError(.corruption, "snapshot has \(length - consumed) bytes after its end", path: path,
                               offset: UInt64(CheckpointFormat.headerSize) + consumed)
        }
        guard crc == expectedCRC else {
            throw StorageError(.corruption, "checkpoint CRC32C mismatch (stored 0x\(String(expectedCRC, radix: 16)),"
                               + " computed 0x\(String(crc, radix: 16)))", path: path, offset: 0)
        }
    }
}
