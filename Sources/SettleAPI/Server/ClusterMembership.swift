import SettleEngine
import SettleStorage

/// Where the node that writes serves clients: `host:port` of its listeners.
public struct WriterAddress: Sendable, Hashable {
    public var http: String
    public var grpc: String

    public init(http: String, grpc: String) {
        self.http = http
        self.grpc = grpc
    }
}

/// How a node of an installation shared by several nodes becomes the one that writes, and
/// learns that it no longer is. `settle serve --postgres` implements it with partition leases
/// in PostgreSQL; the server sees only this, so it links no database driver.
///
/// Safety does not rest on it: every journal write is fenced by its lease in the same
/// statement, so a node that lost its leadership without noticing can write nothing. This
/// only decides who tries, and where the others send their clients.
public protocol ClusterMembership: Sendable {
    /// One attempt to become the writer: the storage to open the engine on, or where the
    /// current writer serves (nil while nobody writes).
    func tryToLead() async throws -> LeadAttempt
    /// Extends the leadership; false once it is lost (stop writing and serving at once).
    func renew() async -> Bool
    /// Gives the leadership up so another node may take over without waiting for expiry.
    func resign() async
    /// How often to renew, and to try again while another node writes.
    var interval: Duration { get }
}

/// How a read replica follows an installation another node writes (`settle serve --postgres
/// --replica`): the storage it tails and where writes go.
public protocol ReplicaMembership: Sendable {
    /// The shared storage, read without a lease.
    var storage: any ReplicaStorage { get }
    /// Sees every command the replica applies (the SQL projection), if any.
    var observer: (any ReplicaObserver)? { get }
    /// Where the writer serves now (nil while nobody writes, or when storage cannot be read).
    func writer() async -> WriterAddress?
    /// How often to look for the writer, reload the tenant directory, and retry a failed open.
    var interval: Duration { get }
}

/// The outcome of `ClusterMembership.tryToLead`.
public enum LeadAttempt: Sendable {
    case leading(any StorageBackend)
    case following(WriterAddress?)
}
