// swift-tools-version:6.1
import PackageDescription

/// libFuzzer harnesses for hookd's parsers, one executable per target, in a package of their own
/// so that the daemon's build never sees them. They link libFuzzer's `main`, so they build only
/// with the sanitizers; `scripts/fuzz.sh` (`make fuzz`, `make fuzz-ci`) builds and runs them.

/// One harness: the executable libFuzzer runs, its target, and what it needs besides hookd.
struct Harness {
    let product: String
    let target: String
    var otherDependencies: [Target.Dependency] = []
}

let harnesses = [
    Harness(product: "fuzz-frame", target: "FuzzFrame"),
    Harness(product: "fuzz-json", target: "FuzzJSON"),
    Harness(product: "fuzz-config", target: "FuzzConfig", otherDependencies: [.product(name: "Yams", package: "Yams")]),
    Harness(product: "fuzz-masker", target: "FuzzMasker"),
    Harness(product: "fuzz-upstream", target: "FuzzUpstream"),
]

let package = Package(
    name: "hookd-fuzz",
    platforms: [.macOS(.v15)],
    products: harnesses.map { .executable(name: $0.product, targets: [$0.target]) },
    dependencies: [
        // The checkout this package sits in, named: a path dependency's identity is otherwise its
        // folder's name, which differs between clones.
        .package(name: "hookd", path: ".."),
        // Already in the graph through hookd (same requirement); the config harness reads YAML too.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "HookFuzzable", package: "hookd")]),
    ] + harnesses.map { harness in
        .executableTarget(
            name: harness.target,
            dependencies: ["FuzzSupport", .product(name: "HookFuzzable", package: "hookd")] + harness.otherDependencies)
    },
    swiftLanguageModes: [.v6]
)
