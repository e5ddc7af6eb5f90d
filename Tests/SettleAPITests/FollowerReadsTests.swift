import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SettleAPI
import SettleCore
import SettleEngine
import SettleStorage
import Synchronization
import Testing

/// A cluster node that does not write serves reads as a replica of the installation, sends
/// writes to the writer before it looks at the key, and becomes the writer once it wins.
@Suite("Cluster: a follower serves reads until it leads")
struct FollowerReadsTests {
    /// An installation nobody has written yet: two empty partitions, nothing to tail.
    struct EmptyInstallation: ReplicaStorage {
        func partitionCount() throws -> Int { 2 }
        func openReader(partition: UInt32) throws -> any PartitionReader { EmptyReader(partition: partition) }
        var description: String { "an empty installation" }
    }

    final class EmptyReader: PartitionReader {
        let partition: UInt32
        init(partition: UInt32) { self.partition = partition }
        func openNewestCheckpoint() throws(StorageError) -> (any CheckpointInput)? { nil }
        func read(after op: UInt64, limit: Int) throws(StorageError) -> JournalPage { JournalPage(records: [], newestOp: op) }
        func close() {}
    }

    /// Follows `writer` until `lead` is set, then leads on the files in `directory`.
    final class Membership: ClusterMembership, ReplicaMembership {
        let writerAddress: WriterAddress
        let directory: String
        let lead = Atomic<Bool>(false)

        init(writer: WriterAddress, directory: String) {
            writerAddress = writer
            self.directory = directory
        }

        func tryToLead() async throws -> LeadAttempt {
            lead.load(ordering: .relaxed) ? .leading(FileStorage(directory: directory)) : .following(writerAddress)
        }
        func renew() async -> Bool { true }
        func resign() async {}
        var interval: Duration { .milliseconds(50) }
        var storage: any ReplicaStorage { EmptyInstallation() }
        var observer: (any ReplicaObserver)? { nil }
        func writer() async -> WriterAddress? { writerAddress }
    }

    @Test func aFollowerServesReadsRedirectsWritesBeforeAuthenticationAndWritesOnceItLeads() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let membership = Membership(writer: WriterAddress(http: "127.0.0.1:9", grpc: "127.0.0.1:10"), directory: directory)
        try await LiveServer.with(directory: directory, configure: { $0.cluster = membership; $0.replica = membership }) { node async throws in
            #expect(try await node.request(.GET, "/health/ready").json["role"] as? String == "replica")

            // A key this node has never seen: the write goes to the writer all the same (the
            // writer authenticates it); a read is this node's to answer, and it knows no key.
            let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(node.httpPort)/v1/accounts")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer sk_created_a_moment_ago_on_the_writer")
            request.body = .bytes(ByteBuffer(string: accountsJSON(1...1)))
            let write = try await http.execute(request, timeout: .seconds(10))
            _ = try await write.body.collect(upTo: 1 << 20)
            try await http.shutdown()
            #expect(write.status == .temporaryRedirect)
            #expect(write.headers["Location"] == ["http://127.0.0.1:9/v1/accounts"])
            let read = try await node.request(.GET, "/v1/accounts/1", key: "sk_created_a_moment_ago_on_the_writer")
            #expect(read.status == 401)

            // It wins: the replica stops, the engine recovers from the node's own storage, and
            // it writes.
            membership.lead.store(true, ordering: .relaxed)
            var role: String?
            for _ in 0..<500 where role != "writer" {
                try await Task.sleep(for: .milliseconds(20))
                role = try await node.request(.GET, "/health/ready").json["role"] as? String
            }
            #expect(role == "writer")
            let tenant = try await node.newTenant()
            #expect(try await node.request(.POST, "/v1/accounts", key: tenant.key, body: accountsJSON(1...2)).status == 200)
        }
    }
}
