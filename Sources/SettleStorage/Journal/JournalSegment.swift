/// One file of a `FileJournal`: `journal/<partition>/<first op, 20 digits>.wal`.
///
/// The name carries the op of the segment's first record, so segments sort by name, a missing
/// one shows as a gap between names, and removal after a checkpoint needs no reading.
struct JournalSegment: Hashable {
    static let fileExtension = ".wal"

    var firstOp: UInt64
    var path: String

    init(firstOp: UInt64, directory: String) {
        self.firstOp = firstOp
        path = FilePath.join(directory, Self.fileName(firstOp: firstOp))
    }

    /// `00000000000000000042.wal` for op 42: fixed width, so name order is op order.
    static func fileName(firstOp: UInt64) -> String {
        let digits = String(firstOp)
        return String(repeating: "0", count: 20 - digits.count) + digits + fileExtension
    }

    /// The first op named by `name`, or nil if it is not a segment file name.
    static func firstOp(fileName name: String) -> UInt64? {
        guard name.hasSuffix(fileExtension) else { return nil }
        let stem = name.dropLast(fileExtension.count)
        guard !stem.isEmpty, stem.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(stem)
    }

    /// The directory holding a partition's segments: `<data>/journal/<partition, 10 digits>`.
    static func directory(dataDirectory: String, partition: UInt32) -> String {
        let digits = String(partition)
        let name = String(repeating: "0", count: 10 - digits.count) + digits
        return FilePath.join(FilePath.join(dataDirectory, "journal"), name)
    }
}
