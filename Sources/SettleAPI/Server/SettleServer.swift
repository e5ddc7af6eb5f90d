import Dispatch
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Hummingbird
import Logging
import NIOCore
import SettleCore
import SettleEngine
import SettleStorage
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `settle serve`: the engine behind gRPC and HTTP, as one service group.
///
/// The listeners start at once, so health checks answer while the engine recovers; ledger
/// requests get 503/UNAVAILABLE until recovery is done. A graceful shutdown (SIGTERM, SIGINT or
/// `shutdown()`) stops the services in reverse order: HTTP and gRPC stop accepting and finish
/// their requests, then the engine drains its queues, fsyncs and stops.
public final class SettleServer: Sendable {
    public let state: ServerState
    let configuration: ServerConfiguration
    private let group: ServiceGroup
    private let httpPort = BoundPort()
    private let grpcTransport: HTTP2ServerTransport.Posix

    public init(configuration: ServerConfiguration, shutdownSignals: [UnixSignal] = [.sigterm, .sigint]) {
        self.configuration = configuration
        let state = ServerState(metrics: APIMetrics())
        self.state = state
        let routes = HTTPRoutes(state: state, maxBodyBytes: configuration.maxHTTPBodyBytes, tenantDefaults: configuration.tenantDefaults)
        let httpPort = self.httpPort
        let http = Application(
            router: routes.router(),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.httpPort), serverName: "settle"),
            onServerRunning: { channel in httpPort.set(channel.localAddress?.port) },
            logger: configuration.logger)
        grpcTransport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: configuration.host, port: configuration.grpcPort),
            transportSecurity: .plaintext,
            config: .defaults { $0.rpc.maxRequestPayloadSize = configuration.maxGRPCMessageBytes })
        let grpc = GRPCService(server: GRPCServer(transport: grpcTransport, services: [LedgerService(state: state)]))
        let engine = EngineService(configuration: configuration, state: state)
        var services = ServiceGroupConfiguration(
            services: [.init(service: engine), .init(service: grpc), .init(service: http)],
            gracefulShutdownSignals: shutdownSignals,
            logger: configuration.logger)
        // A request that never finishes, or a client that never closes its connection (gRPC's
        // graceful shutdown waits for both), must not keep the process from stopping; the
        // engine still drains and syncs when cancelled.
        services.maximumGracefulShutdownDuration = configuration.gracefulShutdownLimit
        group = ServiceGroup(configuration: services)
    }

    /// Runs until a shutdown signal or `shutdown()`, then stops gracefully.
    public func run() async throws {
        try await group.run()
    }

    /// Starts a graceful shutdown.
    public func shutdown() async {
        await group.triggerGracefulShutdown()
    }

    /// The bound ports, once both listeners are up.
    public func ports() async throws -> (http: Int, grpc: Int) {
        let grpc = try await grpcTransport.listeningAddress.ipv4?.port ?? configuration.grpcPort
        while true {
            if let http = httpPort.value { return (http, grpc) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// The HTTP listener's port, known once it is bound.
final class BoundPort: Sendable {
    private let port = Mutex<Int?>(nil)
    func set(_ value: Int?) { port.withLock { $0 = value } }
    var value: Int? { port.withLock { $0 } }
}

/// A gRPC server as a service: graceful shutdown lets in-flight RPCs finish.
struct GRPCService: Service {
    let server: GRPCServer<HTTP2ServerTransport.Posix>

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}
