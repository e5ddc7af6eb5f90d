import Foundation

/// The layout of a data directory:
///
///     settle.meta                 format version and partition count (fixed at creation)
///     partition-<n>/journal/      journal segments of partition n
///     partition-<n>/checkpoints/  checkpoints of partition n
enum DataDirectory {
    static let formatVersion = 1

    static func partitionDirectory(_ root: String, _ partition: Int) -> String {
        root + "/partition-\(partition)"
    }

    /// Creates the directory on first use; afterwards returns the partition count it was
    /// created with (tenants are placed by it, so it can never change silently).
    static func prepare(_ root: String, partitions: Int) throws(EngineError) -> Int {
        let meta = root + "/settle.meta"
        if let text = try? String(contentsOfFile: meta, encoding: .utf8) {
            return try parse(text, path: meta)
        }
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            let text = "format=\(formatVersion)\npartitions=\(partitions)\n"
            let temporary = meta + ".tmp"
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
            try syncFile(temporary)
            guard rename(temporary, meta) == 0 else { throw EngineError(.recoveryFailed, "rename \(temporary): errno \(errno)") }
            try syncFile(root)
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError(.recoveryFailed, "cannot create data directory \(root): \(error)")
        }
        return partitions
    }

    /// Reads the partition count of an existing directory (for `settle verify`).
    static func existingPartitionCount(_ root: String) throws(EngineError) -> Int {
        let meta = root + "/settle.meta"
        guard let text = try? String(contentsOfFile: meta, encoding: .utf8) else {
            throw EngineError(.recoveryFailed, "\(meta) is missing: not a Settle data directory")
        }
        return try parse(text, path: meta)
    }

    private static func parse(_ text: String, path: String) throws(EngineError) -> Int {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
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

    private static func syncFile(_ path: String) throws(EngineError) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw EngineError(.recoveryFailed, "open \(path): errno \(errno)") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw EngineError(.recoveryFailed, "fsync \(path): errno \(errno)") }
    }
}
