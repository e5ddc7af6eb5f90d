import SettleCore
import SettleSimulation
import Glibc

func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Resident set size from /proc/self/statm (second field, in pages).
func residentBytes() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0, resident = 0
    guard withUnsafeMutablePointer(to: &size, { s in withUnsafeMutablePointer(to: &resident) { r in
        withVaList([s, r]) { vfscanf(file, "%ld %ld", $0) }
    } }) == 2 else { return 0 }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
}

let report = CoreBenchmark().run(clock: monotonicNanoseconds, residentBytes: residentBytes)
print("transfers: \(report.transfers)")
print("seconds: \(report.seconds)")
print("transfers/s: \(Int(report.transfersPerSecond))")
print("resident bytes per stored transfer: \(report.bytesPerTransfer)")
print("digest: \(report.digest)")
