import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The `settle serve --postgres` processes of a failover test, on loopback ports of their own:
/// `nodes`, which may write, and a read replica that keeps the SQL projection.
final class ClusterNodes: @unchecked Sendable {
    struct Node {
        var index: Int
        var httpPort: Int
        var grpcPort: Int
        var process: pid_t?
    }

    let postgresURL: String
    let directory: String
    let operatorKey: String
    let leaseMilliseconds: Int
    private(set) var nodes: [Node]
    /// `--replica --project`: never writes, so never counted by `writer()`.
    private(set) var replica: Node
    private var starts = 0

    init(count: Int, postgresURL: String, directory: String, operatorKey: String, leaseMilliseconds: Int) throws {
        self.postgresURL = postgresURL
        self.directory = directory
        self.operatorKey = operatorKey
        self.leaseMilliseconds = leaseMilliseconds
        nodes = try (0..<count).map { Node(index: $0, httpPort: try freePort(), grpcPort: try freePort()) }
        replica = Node(index: count, httpPort: try freePort(), grpcPort: try freePort())
    }

    /// Starts node `index` (again); its log goes to `node-<index>-<start>.log`.
    func start(_ index: Int) throws {
        nodes[index].process = try spawn(nodes[index], "n\(index)")
    }

    /// Starts the replica (again).
    func startReplica() throws {
        replica.process = try spawn(replica, "replica", "--replica", "--project")
    }

    private func spawn(_ node: Node, _ name: String, _ more: String...) throws -> pid_t {
        starts += 1
        let arguments = [
            CommandLine.arguments[0], "serve", "--postgres", postgresURL, "--node", name, "--partitions", "2",
            "--http-port", String(node.httpPort), "--grpc-port", String(node.grpcPort),
            "--lease-ms", String(leaseMilliseconds), "--rate-limit", "0", "--log-level", ProcessInfo.processInfo.environment["SETTLE_NODE_LOG_LEVEL"] ?? "notice",
        ] + more
        var environment = ProcessInfo.processInfo.environment
        environment["SETTLE_OPERATOR_KEY"] = operatorKey
        return try settle.spawn(arguments, environment: environment, log: "\(directory)/node-\(node.index)-\(starts).log")
    }

    /// SIGKILL: no drain, no sync, no lease release.
    func kill(_ index: Int) {
        signalAndReap(&nodes[index].process, SIGKILL)
    }

    /// SIGTERM and wait: the graceful stop (drain, sync, release the leases).
    func stop(_ index: Int) {
        signalAndReap(&nodes[index].process, SIGTERM)
    }

    func killReplica() { signalAndReap(&replica.process, SIGKILL) }
    func stopReplica() { signalAndReap(&replica.process, SIGTERM) }

    /// posix_spawn and waitpid rather than Foundation's Process, which here stopped noticing
    /// children's exits after a `system(3)` child had run.
    private func signalAndReap(_ process: inout pid_t?, _ signal: Int32) {
        guard let pid = process else { return }
        Glibc.kill(pid, signal)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        process = nil
    }

    func stopAll() {
        for index in nodes.indices { stop(index) }
    }

    /// The node that writes now: the one whose /health/ready answers 200 with role `writer`
    /// (the others serve reads as replicas meanwhile).
    func writer() async -> Int? {
        for node in nodes where node.process != nil {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(node.httpPort)/health/ready")
            request.method = .GET
            guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)), response.status == .ok,
                  let body = try? await response.body.collect(upTo: 1 << 16),
                  let ready = try? JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8)) as? [String: Any]
            else { continue }
            if ready["role"] as? String == "writer" { return node.index }
        }
        return nil
    }

    /// Waits until some node writes; throws after `seconds`.
    func awaitWriter(seconds: Int = 60) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if let writer = await writer() { return writer }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw FailoverTestError("no node became the writer within \(seconds) s (logs in \(directory))")
    }
}

struct FailoverTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
func freePort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw FailoverTestError("socket() failed") }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
    }
    guard bound else { throw FailoverTestError("bind() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Starts `arguments[0]` with `arguments` and `environment`, stdout and stderr to `log`.
func spawn(_ arguments: [String], environment: [String: String], log: String) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = arguments.map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for pointer in argv + envp { free(pointer) } }
    // The calling thread may be a dispatch worker, which blocks signals; the child must get
    // SIGTERM (graceful stop) like any server, so it starts with none blocked or ignored.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGTERM, SIGINT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
    guard result == 0 else { throw FailoverTestError("posix_spawn \(arguments[0]) failed: errno \(result)") }
    return pid
}
