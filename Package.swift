// swift-tools-version:6.1
import PackageDescription

/// This package's directory, for linker inputs that live in it.
let packageRoot = String(#filePath.dropLast("/Package.swift".count))

/// The request path's modules (JSON, RPC framing, the server) skip the run-time exclusivity
/// checks in release: they cost about 5 % of the instructions of a request (callgrind), and the
/// compile-time checks, debug builds and every test run still enforce exclusivity there.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

/// hookd: a local webhook operations daemon speaking newline-delimited JSON-RPC 2.0 on a Unix socket.
/// The C libraries are Debian's; everything above the adapter modules is plain Swift.
let package = Package(
    name: "hookd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hookd", targets: ["hookd"]),
        .executable(name: "hookrpc", targets: ["hookrpc"]),
        .executable(name: "hooksandbox", targets: ["hooksandbox"]),
        .library(name: "HookClient", targets: ["HookClient"]),
        // For the libFuzzer harnesses in Fuzz/ (a package of their own): not an API promise.
        .library(name: "HookFuzzable", targets: ["HookJSON", "HookRPC", "HookCore", "HookHTTP", "HookInfisical", "HookDaemon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        // C libraries from Debian: a module map and a shim header each, nothing else.
        .systemLibrary(name: "CJansson", pkgConfig: "jansson", providers: [.apt(["libjansson-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // Linux calls Swift cannot make directly (variadic prctl).
        .systemLibrary(name: "CLinux"),

        .target(name: "HookNumbers"),
        .target(name: "HookJSON", dependencies: ["CJansson", "HookNumbers"], swiftSettings: hotPath),
        .target(name: "HookRPC", dependencies: ["HookJSON"], swiftSettings: hotPath),
        .target(name: "HookCore", dependencies: ["HookJSON", "HookNumbers", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "HookRedis", dependencies: [
            "CHiredis", "HookCore", "HookJSON", "HookNumbers",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "HookHTTP", dependencies: ["CCurl", "HookNumbers"]),
        .target(name: "HookMQTT", dependencies: ["CMosquitto", "HookNumbers"]),
        .target(name: "HookLinux", dependencies: ["CLinux"]),
        .target(name: "HookStore", dependencies: ["HookCore", "HookJSON", "CSQLite"]),
        .target(name: "HookInfisical", dependencies: ["HookCore", "HookHTTP", "HookJSON", "HookNumbers"]),
        .target(name: "HookDaemon", dependencies: [
            "HookJSON", "HookRPC", "HookCore", "HookStore", "HookRedis", "HookHTTP", "HookInfisical", "HookMQTT", "HookLinux", "HookNumbers",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ], swiftSettings: hotPath),
        .target(name: "HookClient", dependencies: ["HookJSON", "HookRPC", "HookNumbers"]),
        .target(name: "HookYAML", dependencies: ["HookJSON", .product(name: "Yams", package: "Yams")]),
        .executableTarget(name: "hookd", dependencies: [
            "HookDaemon", "HookLinux",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], linkerSettings: [
            // Release links with lld so relative relocations are packed (DT_RELR) and exports only
            // what the loader needs: 4 MB less resident at idle than gold's -export-dynamic PIE.
            // The functions start-up and the hot methods run come first in .text, together
            // (scripts/order-file.sh): the kernel maps code in 64 KiB windows around each page
            // touched, so scattered they kept most of the binary's code resident.
            .unsafeFlags([
                "-use-ld=lld",
                "-Xlinker", "--no-export-dynamic",
                "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                "-Xlinker", "--symbol-ordering-file=\(packageRoot)/scripts/linker/hookd.order",
                "-Xlinker", "--no-warn-symbol-ordering",
            ], .when(configuration: .release)),
        ]),
        .executableTarget(name: "hookrpc", dependencies: [
            "HookClient", "HookCore", "HookHTTP", "HookNumbers", "HookYAML",
            .product(name: "Yams", package: "Yams"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // The testing sandbox: an unprivileged HTTP app that captures webhooks and answers by script.
        .target(name: "HookSandbox", dependencies: [
            "HookStore", "HookCore", "HookJSON", "HookClient", "HookYAML",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .executableTarget(name: "hooksandbox", dependencies: [
            "HookSandbox",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Test servers and processes shared by the test targets (not shipped).
        .target(name: "HookTestSupport", dependencies: ["HookMQTT"], path: "Tests/HookTestSupport"),

        .testTarget(name: "HookNumbersTests", dependencies: ["HookNumbers"]),
        .testTarget(name: "HookJSONTests", dependencies: ["HookJSON", "CJansson"]),
        .testTarget(name: "HookRPCTests", dependencies: ["HookRPC"]),
        .testTarget(name: "HookCoreTests", dependencies: ["HookCore", "HookTestSupport"]),
        .testTarget(name: "HookRedisTests", dependencies: ["HookRedis", "HookCore", "HookJSON"]),
        .testTarget(name: "HookStoreTests", dependencies: ["HookStore", "HookCore", "HookJSON"]),
        .testTarget(name: "HookInfisicalTests", dependencies: ["HookInfisical", "HookCore", "HookHTTP"]),
        .testTarget(name: "HookHTTPTests", dependencies: ["HookHTTP", "HookTestSupport"]),
        .testTarget(name: "HookMQTTTests", dependencies: ["HookMQTT", "HookTestSupport"]),
        .testTarget(name: "HookDaemonTests", dependencies: [
            "HookDaemon", "HookRPC", "HookJSON", "HookCore", "HookHTTP", "HookMQTT", "HookStore", "HookTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "HookSandboxTests", dependencies: [
            "HookSandbox", "HookStore", "HookJSON",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "HookIntegrationTests", dependencies: ["HookClient", "HookJSON", "HookRPC", "HookHTTP", "HookRedis", "HookMQTT", "HookTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
