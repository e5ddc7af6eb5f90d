import AsyncHTTPClient
import Foundation
import Histogram
import NIOCore
import NIOHTTP1

/// Payment steps over HTTP against a running server: authorize every intent, capture each
/// with a fee split (one linked chain of three transfers, after two reads), then refund half
/// of them in part. Steps go through `POST /v1/payments/steps` in batches, from concurrent
/// clients on disjoint intents, as a payments service with a queue in front would send them.
struct PaymentsBench {
    let base: String
    let key: String
    let intents: Int
    let batch: Int
    let clients: Int

    struct Phase {
        var name: String
        var steps: Int
        var seconds: Double
    }

    func run() async throws -> (phases: [Phase], latency: Histogram<UInt64>) {
        _ = try await post("/v1/payments/chart", #"{"currencies": ["EUR"]}"#)
        var latency = Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
        var phases: [Phase] = []
        let plans: [(String, Int, @Sendable (Int) -> String)] = [
            ("authorize", intents, { #"{"type": "authorize", "intent": "\#($0)", "currency": "EUR", "amount": "\#(1_000 + $0 % 9_000)", "reference": "B-\#($0)"}"# }),
            ("capture", intents, { #"{"type": "capture", "intent": "\#($0)", "sequence": 1, "fee": "\#(30 + $0 % 50)"}"# }),
            ("refund", intents / 2, { #"{"type": "refund", "intent": "\#($0 * 2)", "sequence": 1, "amount": "500"}"# }),
        ]
        for (name, count, step) in plans {
            let start = DispatchTime.now().uptimeNanoseconds
            let histograms = try await withThrowingTaskGroup(of: Histogram<UInt64>.self) { group in
                for client in 0..<clients {
                    group.addTask { try await self.client(client, count: count, step: step) }
                }
                return try await group.reduce(into: [Histogram<UInt64>]()) { $0.append($1) }
            }
            for histogram in histograms { latency.add(histogram) }
            phases.append(Phase(name: name, steps: count, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
        }
        return (phases, latency)
    }

    /// One client's share: intents `client+1, client+1+clients, ...` in batches.
    private func client(_ client: Int, count: Int, step: @Sendable (Int) -> String) async throws -> Histogram<UInt64> {
        var latency = Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
        let mine = Array(stride(from: client + 1, through: count, by: clients))
        for start in stride(from: 0, to: mine.count, by: batch) {
            let body = #"{"steps": ["# + mine[start..<min(start + batch, mine.count)].map(step).joined(separator: ",") + "]}"
            let began = DispatchTime.now().uptimeNanoseconds
            let reply = try await post("/v1/payments/steps", body)
            latency.record(DispatchTime.now().uptimeNanoseconds - began)
            guard reply.contains(#""step""#), !reply.contains(#""error""#) else {
                throw BenchError("a step failed: \(reply.prefix(300))")
            }
        }
        return latency
    }

    private func post(_ path: String, _ body: String) async throws -> String {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(300))
        let text = String(buffer: try await response.body.collect(upTo: 256 << 20))
        guard response.status == .ok else { throw BenchError("\(path): \(response.status.code) \(text.prefix(300))") }
        return text
    }

    static func report(_ phases: [Phase], _ latency: Histogram<UInt64>, clients: Int, batch: Int) -> String {
        let steps = phases.reduce(0) { $0 + $1.steps }
        let seconds = phases.reduce(0) { $0 + $1.seconds }
        var lines = ["mode: payments over HTTP, \(clients) clients, \(batch) steps per request",
                     String(format: "payment steps: %d in %.3f s", steps, seconds),
                     "payment steps/s: \(Int(Double(steps) / seconds))"]
        for phase in phases {
            lines.append("  \(phase.name): \(Int(Double(phase.steps) / phase.seconds)) steps/s")
        }
        for (label, percentile) in [("p50", 50.0), ("p99", 99.0), ("p100", 100.0)] {
            lines.append(String(format: "request latency \(label): %.2f ms", Double(latency.valueAtPercentile(percentile)) / 1e6))
        }
        return lines.joined(separator: "\n")
    }
}
