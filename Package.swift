// swift-tools-version:6.0
import PackageDescription

/// One set of compiler settings for every target: Swift 6 language mode everywhere,
/// with the upcoming features the Hummingbird project also enables.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "continuum",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "continuum", targets: ["continuum"]),
        .executable(name: "continuum-bench", targets: ["continuum-bench"]),
        .library(name: "ContinuumSpec", targets: ["ContinuumSpec"]),
        .library(name: "ContinuumGraph", targets: ["ContinuumGraph"]),
        .library(name: "ContinuumPlanner", targets: ["ContinuumPlanner"]),
        .library(name: "ContinuumState", targets: ["ContinuumState"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Core, no I/O beyond reading the spec files: model, YAML loading, validation.
        .target(
            name: "ContinuumSpec",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        // Core, no I/O: the dependency graph with integer-indexed adjacency.
        .target(
            name: "ContinuumGraph",
            dependencies: ["ContinuumSpec"],
            swiftSettings: swiftSettings
        ),
        // Recorded state: the store protocol, an in-memory store and the SQLite store.
        .target(
            name: "ContinuumState",
            dependencies: [
                "ContinuumSpec",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // Recorded state in PostgreSQL (postgres-nio), for controllers that outgrow one machine;
        // its own module so that SQLite-only users do not link it.
        .target(
            name: "ContinuumPostgres",
            dependencies: [
                "ContinuumSpec", "ContinuumState",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The Provider protocol that every provider implements, and its value types.
        .target(
            name: "ContinuumProvider",
            dependencies: [
                "ContinuumSpec",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // The embedded simulated cloud: a provider whose world is its own SQLite file.
        .target(
            name: "ContinuumSim",
            dependencies: [
                "ContinuumSpec", "ContinuumProvider",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // Out-of-process providers: JSON-RPC 2.0 over a provider program's standard input and output.
        .target(
            name: "ContinuumExternal",
            dependencies: ["ContinuumSpec", "ContinuumProvider", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // Bare metal through a BMC's Redfish API, with async-http-client.
        .target(
            name: "ContinuumRedfish",
            dependencies: [
                "ContinuumSpec", "ContinuumProvider",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Virtual machines and networks on an OpenNebula front-end, through its XML-RPC API.
        .target(
            name: "ContinuumOpenNebula",
            dependencies: [
                "ContinuumSpec", "ContinuumProvider",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // libvirt, the C library, through pkg-config (Debian: libvirt-dev).
        .systemLibrary(
            name: "CLibvirt",
            pkgConfig: "libvirt",
            providers: [.apt(["libvirt-dev"])]
        ),
        // Virtual machines and networks through libvirt's C API.
        .target(
            name: "ContinuumLibvirt",
            dependencies: ["ContinuumSpec", "ContinuumProvider", "CLibvirt", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // Kubernetes clusters on machine providers: expansion into machines, k3s cloud-init,
        // readiness and drains through the cluster's API.
        .target(
            name: "ContinuumKubernetes",
            dependencies: [
                "ContinuumSpec", "ContinuumProvider",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        // libgit2, the C library, through pkg-config (Debian: libgit2-dev).
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        // The Git source: clone, fetch, resolve and check out with libgit2.
        .target(
            name: "ContinuumGit",
            dependencies: ["CLibGit2", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // Core, no I/O: desired graph + recorded state -> plan (a DAG of actions), renderers.
        .target(
            name: "ContinuumPlanner",
            dependencies: [
                "ContinuumSpec", "ContinuumGraph", "ContinuumState",
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        // The executor: runs a plan's DAG against providers with limits, retries and a journal.
        .target(
            name: "ContinuumApply",
            dependencies: [
                "ContinuumSpec", "ContinuumPlanner", "ContinuumState", "ContinuumProvider",
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        // The one path from specs to provider calls that every front end takes: loading and
        // validation, the provider catalog (the composition root for providers), the state
        // lease, and one reconciliation (recover, refresh, plan, policy, apply, record).
        .target(
            name: "ContinuumEngine",
            dependencies: [
                "ContinuumSpec", "ContinuumGraph", "ContinuumPlanner", "ContinuumState", "ContinuumProvider",
                "ContinuumSim", "ContinuumApply", "ContinuumExternal", "ContinuumRedfish", "ContinuumLibvirt", "ContinuumKubernetes", "ContinuumOpenNebula",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Reports of what the controller did: forge commit statuses, webhooks, CloudEvents.
        .target(
            name: "ContinuumNotify",
            dependencies: [
                "ContinuumEngine",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The reconcile loop: Git source -> the engine, continuously, with status, events and metrics.
        .target(
            name: "ContinuumController",
            dependencies: [
                "ContinuumSpec", "ContinuumGraph", "ContinuumPlanner", "ContinuumState", "ContinuumProvider",
                "ContinuumApply", "ContinuumGit", "ContinuumEngine", "ContinuumNotify",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The controller's HTTP face: health, readiness, Prometheus metrics, status API, webhooks.
        .target(
            name: "ContinuumServer",
            dependencies: [
                "ContinuumSpec", "ContinuumState", "ContinuumController", "ContinuumEngine", "ContinuumGit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command-line interface: argument parsing, terminal output, exit codes.
        .target(
            name: "ContinuumCLI",
            dependencies: [
                "ContinuumSpec", "ContinuumGraph", "ContinuumPlanner", "ContinuumState", "ContinuumProvider", "ContinuumSim", "ContinuumApply",
                "ContinuumGit", "ContinuumEngine", "ContinuumController", "ContinuumServer", "ContinuumPostgres",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "continuum",
            dependencies: ["ContinuumCLI"],
            swiftSettings: swiftSettings
        ),
        // Benchmarks: fleet generation and side-by-side timings (`swift run -c release continuum-bench`).
        .executableTarget(
            name: "continuum-bench",
            dependencies: [
                "ContinuumSpec", "ContinuumGraph", "ContinuumPlanner", "ContinuumState", "ContinuumTesting", "ContinuumPostgres",
                "ContinuumApply", "ContinuumSim", "ContinuumProvider", "ContinuumEngine", "ContinuumController", "ContinuumGit", "ContinuumRedfish",
                "ContinuumLibvirt", "CLibvirt", "ContinuumOpenNebula",
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/continuum-bench",
            swiftSettings: swiftSettings
        ),
        // Test support shared by the test targets: temporary spec repositories, builders.
        .target(
            name: "ContinuumTesting",
            dependencies: [
                "ContinuumSpec", "ContinuumGraph", "ContinuumState", "ContinuumProvider",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumSpecTests",
            dependencies: ["ContinuumSpec", "ContinuumTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumGraphTests",
            dependencies: ["ContinuumGraph", "ContinuumSpec", "ContinuumTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumStateTests",
            dependencies: [
                "ContinuumState", "ContinuumSpec", "ContinuumTesting", "ContinuumPostgres", .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumPlannerTests",
            dependencies: ["ContinuumPlanner", "ContinuumGraph", "ContinuumSpec", "ContinuumState", "ContinuumTesting"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumApplyTests",
            dependencies: [
                "ContinuumApply", "ContinuumSim", "ContinuumProvider", "ContinuumPlanner", "ContinuumGraph", "ContinuumSpec", "ContinuumState", "ContinuumTesting",
                "ContinuumEngine", "ContinuumPostgres",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumGitTests",
            dependencies: ["ContinuumGit", "ContinuumTesting", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumNotifyTests",
            dependencies: ["ContinuumNotify", "ContinuumEngine", "ContinuumTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumExternalTests",
            dependencies: ["ContinuumExternal", "ContinuumProvider", "ContinuumSpec", "ContinuumTesting", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumKubernetesTests",
            dependencies: [
                "ContinuumKubernetes", "ContinuumLibvirt", "ContinuumRedfish", "ContinuumApply", "ContinuumPlanner", "ContinuumGraph", "ContinuumState",
                "ContinuumProvider", "ContinuumSpec", "ContinuumTesting",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumLibvirtTests",
            dependencies: ["ContinuumLibvirt", "ContinuumProvider", "ContinuumSpec", "ContinuumTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumRedfishTests",
            dependencies: [
                "ContinuumRedfish", "ContinuumProvider", "ContinuumSpec", "ContinuumTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumOpenNebulaTests",
            dependencies: [
                "ContinuumOpenNebula", "ContinuumProvider", "ContinuumSpec", "ContinuumTesting", "ContinuumEngine", "ContinuumApply", "ContinuumKubernetes",
                "ContinuumState", "ContinuumSim",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumSimTests",
            dependencies: ["ContinuumSim", "ContinuumProvider", "ContinuumSpec", "ContinuumTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumControllerTests",
            dependencies: [
                "ContinuumController", "ContinuumServer", "ContinuumGit", "ContinuumTesting", "ContinuumSim", "ContinuumState", "ContinuumSpec", "ContinuumApply",
                "ContinuumEngine", "ContinuumPlanner", "ContinuumNotify", "ContinuumProvider",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumEngineTests",
            dependencies: [
                "ContinuumEngine", "ContinuumApply", "ContinuumSim", "ContinuumProvider", "ContinuumPlanner", "ContinuumSpec", "ContinuumState",
                "ContinuumTesting",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContinuumCLITests",
            dependencies: ["ContinuumCLI", "ContinuumTesting", "ContinuumSim", "ContinuumState", "ContinuumSpec", "ContinuumPlanner", "ContinuumPostgres"],
            swiftSettings: swiftSettings
        ),
    ]
)
