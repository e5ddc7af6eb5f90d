import SettleStorage

/// The layout of a data directory:
///
///     settle.meta                 format version and partition count (fixed at creation)
///     journal/<partition>/        journal segments (FileJournal)
///     checkpoints/<partition>/    checkpoints (CheckpointStore)
enum DataDirectory {
    static let formatVersion = 1

    /// Creates the directory on first use; afterwards returns the partition count it was
    /// created with (tenants are placed by it, so it can never change silently).
    static func prepare(_ root: String, partitions: Int, io: any FileIO) throws(EngineError) -> Int {
        let meta = root + "/settle.meta"
        if let existing = try read(meta, io: io) { return existing }
        do {
            try io.createDirectory(root)
            let temporary = meta + ".tmp"
            let file = try io.openFile(temporary, mode: .truncate)
            defer { io.close(file) }
            try io.write(file, at: 0, Array("format=\(formatVersion)\npartitions=\(partitions)\n".utf8))
            try io.syncData(file)
            try io.rename(temporary, to: meta)
            try io.syncDirectory(root)
        } catch {
            throw EngineError(.recoveryFailed, "cannot create data directory \(root): \(error)")
        }
        return partitions
    }

    /// Reads the partition count of an existing directory (for `settle verify`).
    static func existingPartitionCount(_ root: String, io: any FileIO) throws(EngineError) -> Int {
        guard let count = try read(root + "/settle.meta", io: io) else {
            throw EngineError(.recoveryFailed, "\(root)/settle.meta is missing: not a Settle data directory")
        }
        return count
    }

    private static func read(_ path: String, io: any FileIO) throws(EngineError) -> Int? {
        let bytes: [UInt8]
        do {
            bytes = try io.readWholeFile(path)
        } catch where error.code == .notFound {
            return nil
        } catch {
            throw EngineError(.recoveryFailed, "cannot read \(path): \(error)")
        }
        var fields: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        guard fields["format"] == String(formatVersion) else {
            throw EngineError(.recoveryFailed, "\(path): unsupported format \(fields["format"] ?? "none")")
        }
        guard let count = fields["partitions"].flatMap(Int.init), count > 0 else {
            throw EngineError(.recoveryFailed, "\(path): invalid partition count")
        }
        return count
    }
}
