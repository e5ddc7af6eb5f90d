import Logging
import SettleEngine

/// How `settle serve` runs: storage, listeners, limits.
public struct ServerConfiguration: Sendable {
    /// The documented default ports, on loopback only.
    public static let defaultHTTPPort = 7700
    public static let defaultGRPCPort = 7701

    public var engine: EngineConfiguration
    /// Set when several nodes share one installation (`settle serve --postgres`): the engine
    /// runs only while this node leads, on the storage the membership hands over.
    public var cluster: (any ClusterMembership)?
    /// Set for a read replica (`--replica`): the engine follows storage another node writes.
    /// With `cluster` too, what the node follows, serving reads, while another node writes.
    public var replica: (any ReplicaMembership)?
    public var host = "127.0.0.1"
    /// 0 picks a free port (tests); `SettleServer.ports` tells which.
    public var httpPort = ServerConfiguration.defaultHTTPPort
    public var grpcPort = ServerConfiguration.defaultGRPCPort
    /// An operator key to register at start (`SETTLE_OPERATOR_KEY`); without one, a new data
    /// directory gets a generated key, handed once to `announceOperatorKey`.
    public var operatorKey: String?
    public var announceOperatorKey: @Sendable (String) -> Void = { _ in }
    public var tenantDefaults = TenantDefaults()
    public var maxHTTPBodyBytes = HTTPRoutes.defaultMaxBodyBytes
    /// gRPC messages above this are refused (a full batch of 8,189 transfers is ~1.3 MB).
    public var maxGRPCMessageBytes = 16 << 20
    public var logger = Logger(label: "settle.server")
    /// How long a graceful shutdown waits for requests to finish before cancelling them.
    public var gracefulShutdownLimit: Duration = .seconds(15)

    public init(engine: EngineConfiguration) {
        self.engine = engine
    }
}
