extension FileJournal {
    /// The file the next record of `recordSize` bytes goes to: the active segment, or a new
    /// one if the record would take the active one past `segmentSizeBytes`.
    ///
    /// Order matters: sync the old segment (so no segment but the last can ever hold a torn
    /// record), then create the new one and fsync the directory (so it cannot vanish after
    /// records in it were acknowledged). A failed sync poisons; a failed create leaves the
    /// journal on the old segment and the next append tries again.
    func rollIfFull(_ file: FileIOHandle, recordSize: UInt64) throws(StorageError) -> FileIOHandle {
        guard activeSize > 0, activeSize + recordSize > options.segmentSizeBytes else { return file }
        if dirty { try syncActive(file) }
        let segment = JournalSegment(firstOp: lastOp + 1, directory: directory)
        let newFile = try io.openFile(segment.path, mode: .truncate)
        do {
            try io.syncDirectory(directory)
        } catch {
            // The new entry may or may not be durable: records written to it could vanish.
            io.close(newFile)
            poison = error
            throw error
        }
        io.close(file)
        segments.append(segment)
        active = newFile
        activeSize = 0
        return newFile
    }

    /// Creates (or empties, if a failed roll left it behind) the file of `segment` and makes
    /// its directory entry durable.
    static func createSegmentFile(
        _ segment: JournalSegment, io: any FileIO, directory: String
    ) throws(StorageError) -> FileIOHandle {
        let file = try io.openFile(segment.path, mode: .truncate)
        do {
            try io.syncDirectory(directory)
        } catch {
            io.close(file)
            throw error
        }
        return file
    }

    /// Creates `<data>/journal/<partition>` if needed, fsyncing each parent so the directories
    /// themselves survive a power failure.
    static func prepareDirectories(dataDirectory: String, directory: String, io: any FileIO) throws(StorageError) {
        let journalRoot = FilePath.parent(directory)
        try io.createDirectory(dataDirectory)
        try io.syncDirectory(FilePath.parent(dataDirectory))
        try io.createDirectory(journalRoot)
        try io.syncDirectory(dataDirectory)
        try io.createDirectory(directory)
        try io.syncDirectory(journalRoot)
    }

    /// The segment files in `directory`, in op order; other files are ignored.
    static func listSegments(directory: String, io: any FileIO) throws(StorageError) -> [JournalSegment] {
        try io.listDirectory(directory)
            .compactMap { name in JournalSegment.firstOp(fileName: name) }
            .sorted()
            .map { JournalSegment(firstOp: $0, directory: directory) }
    }
}
