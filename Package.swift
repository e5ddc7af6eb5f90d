// swift-tools-version:6.1
import PackageDescription

/// Settings every target shares, declared once (as swift-nio and swift-log do).
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Settle",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SettleCore", targets: ["SettleCore"]),
        .executable(name: "settle", targets: ["settle"]),
        .executable(name: "settle-sim", targets: ["settle-sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // SettleProtocol: protobuf runtime and gRPC core for the committed generated code. Keep
        // in step with the versions in scripts/generate-protos.sh.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        // SettleAPI, SettleClient and `settle serve`.
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // SettlePostgres: the PostgreSQL journal, checkpoints and partition leases.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // SettleProjection: the heap of pending transfers that may expire.
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // Pure, deterministic ledger state machine: standard library only, no I/O.
        .target(
            name: "SettleCore",
            // One writer owns a StateMachine and its code never re-enters itself, so the
            // dynamic exclusivity checks on class properties (~5% of the commit loop in
            // perf) buy nothing; debug builds keep them.
            swiftSettings: strictSettings + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // Journal segments, checkpoints, recovery, CRC32C and the file I/O they sit on.
        .target(name: "SettleStorage", dependencies: ["SettleCore", "CSettleCRC32C", "SettleSeededRandom"], swiftSettings: strictSettings),
        // The CPU's CRC32 instruction, which Swift cannot emit (SSE4.2 on x86-64).
        .target(name: "CSettleCRC32C"),
        // Partitions, commit pipeline with group commit, recovery, checkpoints, verify.
        .target(
            name: "SettleEngine",
            dependencies: ["SettleCore", "SettleStorage", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        // The SQL projection's change capture: which accounts and transfers a replica's applied
        // commands changed, as rows for a `ProjectionStore` (PostgreSQL's, in SettlePostgres).
        .target(
            name: "SettleProjection",
            dependencies: [
                "SettleCore", "SettleEngine", .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The `settle` command: serve, bench (embedded and over the network), verify, crash-test.
        .executableTarget(
            name: "settle",
            dependencies: [
                "SettleCore", "SettleStorage", "SettleEngine", "SettleAPI", "SettleClient", "SettleProtocol",
                "SettleDemo", "SettleRecon", "SettleMoney", "SettlePayments", "SettleSeededRandom", "SettlePostgres", "SettleProjection",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // SplitMix64: the seeded generator simulations, benchmarks, the demo and tests share.
        .target(name: "SettleSeededRandom", swiftSettings: strictSettings),
        // Currencies, exact decimal minor units and external-reference keys: the vocabulary
        // payments and reconciliation share. Standard library only.
        .target(name: "SettleMoney", swiftSettings: strictSettings),
        // Statement parsers (camt.053/054, BAI2, CSV with a mapping), the matcher and its reports.
        .target(name: "SettleRecon", dependencies: ["SettleMoney", "SettleSeededRandom"], swiftSettings: strictSettings),
        // Payment intents as ledger accounts and transfers with deterministic ids.
        .target(
            name: "SettlePayments",
            dependencies: ["SettleCore", "SettleMoney", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        // `settle demo`: a marketplace day over the HTTP API, its settlement file, its reconciliation.
        .target(
            name: "SettleDemo",
            dependencies: [
                "SettleMoney", "SettleRecon", "SettleSeededRandom",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // Seeded workload generator, independent reference model and the simulator loop.
        .target(name: "SettleSimulation", dependencies: ["SettleCore", "SettleStorage", "SettleEngine", "SettleSeededRandom"], swiftSettings: strictSettings),
        .executableTarget(
            name: "settle-sim",
            dependencies: [
                "SettleCore", "SettleSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        // The .proto's generated Swift (scripts/generate-protos.sh; never run by the build) and
        // the conversions between its messages and the SettleCore types.
        .target(
            name: "SettleProtocol",
            dependencies: [
                "SettleCore",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ],
            // Generated messages keep their fields in a class, so every field access paid a
            // dynamic exclusivity check: over half of the client's CPU in perf while encoding
            // full batches. The generated code never re-enters itself; debug builds keep them.
            swiftSettings: strictSettings + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // The network face of the engine: gRPC service, HTTP routes, tenants and API keys, rate
        // limits, idempotency keys, metrics, and the service group `settle serve` runs.
        .target(
            name: "SettleAPI",
            dependencies: [
                "SettleCore", "SettleStorage", "SettleEngine", "SettleProtocol", "SettleMoney", "SettlePayments", "SettleRecon",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Async Swift client over gRPC: one connection, sessions, retries that keep the request number.
        .target(
            name: "SettleClient",
            dependencies: [
                "SettleCore", "SettleProtocol",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ],
            swiftSettings: strictSettings
        ),
        // PostgreSQL journal, checkpoints and fenced partition leases (DESIGN §5). Only the
        // `settle` executable may depend on it: the engine sees the `Journal` protocol.
        .target(
            name: "SettlePostgres",
            dependencies: [
                "SettleCore", "SettleStorage", "SettleProjection",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "SettleCoreTests", dependencies: ["SettleCore"], swiftSettings: strictSettings),
        .testTarget(
            name: "SettleProtocolTests",
            dependencies: ["SettleCore", "SettleProtocol", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SettleAPITests",
            dependencies: [
                "SettleCore", "SettleEngine", "SettleAPI", "SettleClient", "SettleProtocol", "SettleStorage", "SettleRecon", "SettleMoney",
                "SettleDemo", "SettlePayments", "SettleSeededRandom",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "SettleMoneyTests", dependencies: ["SettleMoney"], swiftSettings: strictSettings),
        // Import/Samples: the published statement files the importer tests read (see its README).
        .testTarget(name: "SettleReconTests", dependencies: ["SettleRecon", "SettleMoney", "SettleSeededRandom"], exclude: ["Import/Samples"], swiftSettings: strictSettings),
        .testTarget(name: "SettlePaymentsTests", dependencies: ["SettlePayments", "SettleMoney", "SettleCore", "SettleSeededRandom", "SettleEngine", "SettleStorage"], swiftSettings: strictSettings),
        .testTarget(name: "SettleStorageTests", dependencies: ["SettleStorage", "SettleSeededRandom"], swiftSettings: strictSettings),
        // Against a real PostgreSQL: scripts/postgres-start.sh prints the URL for SETTLE_TEST_POSTGRES_URL.
        .testTarget(
            name: "SettlePostgresTests",
            dependencies: [
                "SettleCore", "SettleStorage", "SettleEngine", "SettlePostgres", "SettleProjection",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "SettleEngineTests", dependencies: ["SettleCore", "SettleStorage", "SettleEngine"], swiftSettings: strictSettings),
        .testTarget(
            name: "SettleSimulationTests",
            // settle-sim: the determinism test runs the binary as separate processes.
            dependencies: ["SettleCore", "SettleSimulation", "settle-sim"],
            swiftSettings: strictSettings
        ),
    ]
)
