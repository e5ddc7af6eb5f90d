#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SettleStorage

@Suite("StorageError")
struct StorageErrorTests {
    @Test func descriptionIsOneReadableLineWithEveryContextField() {
        let error = StorageError(
            .corruption, "bad record\nsecond line", path: "/data/x.wal", offset: 4096, errno: EIO, systemCall: "pread")
        let text = error.description
        #expect(!text.contains("\n"))
        #expect(text.hasPrefix("corruption: bad record second line (path: /data/x.wal, offset: 4096, errno: \(EIO) ("))
        #expect(text.contains("call: pread") && text.contains("StorageErrorTests.swift:"))
    }

    @Test(arguments: [(ENOSPC, StorageError.Code.diskFull), (EDQUOT, .diskFull), (ENOENT, .notFound), (EIO, .ioFailure)])
    func systemCallFailuresAreClassifiedByErrno(errno: Int32, code: StorageError.Code) {
        let error = StorageError.systemCall("pwrite", errno: errno, path: "/f", offset: 8)
        #expect(error.code == code && error.errno == errno && error.systemCall == "pwrite" && error.offset == 8)
    }

    @Test func realFileSystemErrorsCarryErrnoAndPath() {
        let error = #expect(throws: StorageError.self) {
            try PosixFileIO().openFile("/nonexistent-settle-dir/file", mode: .readOnly)
        }
        #expect(error?.code == .notFound && error?.errno == ENOENT)
        #expect(error?.path == "/nonexistent-settle-dir/file" && error?.systemCall == "open")
    }
}
