import Foundation
import Prometheus
import SettleCore
import SettleEngine

/// The server's Prometheus metrics: request counters and latencies per route, per-tenant
/// counters, and the engine's commit counters read when scraped.
public final class APIMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    public init() {}

    /// One finished request of `route` (a path pattern or an RPC name, never raw input).
    public func recordRequest(api: String, route: String, status: String, duration: Duration) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "settle", metricName: "requests", unitName: "total", helpText: "Requests answered, by API, route and status."),
            labels: [("api", api), ("route", route), ("status", status)]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "settle", metricName: "request_duration", unitName: "seconds", helpText: "Request latency, by API and route."),
            labels: [("api", api), ("route", route)], buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// Events one write request carried.
    public func recordBatch(tenant: TenantID, kind: String, events: Int) {
        registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(namespace: "settle", metricName: "batch_size", unitName: "events", helpText: "Events per write request."),
            labels: [("kind", kind)], buckets: [1, 8, 64, 512, 1_024, 4_096, 8_189]
        ).record(Int64(events))
        tenantCounter("events", tenant, help: "Events submitted by the tenant.").increment(by: Int64(events))
    }

    public func recordTenantRequest(_ tenant: TenantID) {
        tenantCounter("requests", tenant, help: "Authenticated requests of the tenant.").increment()
    }

    public func recordRateLimited(_ tenant: TenantID) {
        tenantCounter("rate_limited", tenant, help: "Requests of the tenant refused by its rate limit.").increment()
    }

    private func tenantCounter(_ name: String, _ tenant: TenantID, help: String) -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "settle", subsystem: "tenant", metricName: name, unitName: "total", helpText: help),
            labels: [("tenant", String(tenant.rawValue))])
    }

    /// Copies the engine's counters into gauges, then renders everything in the Prometheus
    /// text format.
    public func render(engine: Engine) -> [UInt8] {
        for partition in engine.metrics {
            let labels = [("partition", String(partition.partition))]
            func gauge(_ name: String, _ unit: String, _ help: String) -> Gauge {
                registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "settle", subsystem: "engine", metricName: name, unitName: unit, helpText: help), labels: labels)
            }
            gauge("commits", "total", "Commit groups journaled and synced.").set(Double(partition.commits))
            gauge("events", "total", "Events committed.").set(Double(partition.events))
            gauge("journal_failures", "total", "Appends that failed (nothing applied).").set(Double(partition.journalFailures))
            gauge("checkpoints", "total", "Checkpoints written.").set(Double(partition.checkpoints))
            gauge("commit_seconds", "sum", "Time spent committing groups (journal, apply, fdatasync).").set(Double(partition.commitNanosecondsTotal) / 1e9)
            gauge("commit_seconds", "max", "Longest commit of a group.").set(Double(partition.commitNanosecondsMax) / 1e9)
            gauge("fsync_seconds", "sum", "Time spent in fdatasync.").set(Double(partition.syncNanosecondsTotal) / 1e9)
            gauge("fsync_seconds", "max", "Longest fdatasync.").set(Double(partition.syncNanosecondsMax) / 1e9)
            gauge("queue_depth", "requests", "Requests waiting for the partition's writer.").set(Double(partition.queueDepth))
            if let lag = partition.replica {
                func replicaGauge(_ name: String, _ unit: String, _ help: String) -> Gauge {
                    registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "settle", subsystem: "replica", metricName: name, unitName: unit, helpText: help), labels: labels)
                }
                replicaGauge("applied", "op", "The newest journal op this replica applied.").set(Double(lag.appliedOp))
                replicaGauge("lag", "ops", "Committed ops not applied yet, as of the last look at storage.").set(Double(lag.ops))
                replicaGauge("lag", "seconds", "Seconds since the replica last had applied everything committed.").set(lag.seconds)
                replicaGauge("read_failures", "total", "Failed reads of the shared journal (retried).").set(Double(lag.readFailures))
                replicaGauge("polls", "total", "Looks at the shared journal for new records.").set(Double(lag.polls))
            }
        }
        let memory = ProcessMemory.read()
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "process", metricName: "resident_memory", unitName: "bytes", helpText: "Resident set size.")).set(Double(memory.residentBytes))
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "process", metricName: "resident_memory_peak", unitName: "bytes", helpText: "Peak resident set size (VmHWM).")).set(Double(memory.peakResidentBytes))
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

/// The process's resident memory, from /proc/self/status (0 where there is none).
public enum ProcessMemory {
    public static func read() -> (residentBytes: Int, peakResidentBytes: Int) {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        func kilobytes(_ field: String) -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return 0 }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0").map { $0 * 1_024 } ?? 0
        }
        return (kilobytes("VmRSS"), kilobytes("VmHWM"))
    }
}
