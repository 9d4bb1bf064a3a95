// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "placeplan",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "placeplan", targets: ["placeplan"]),
        .library(name: "PlacePlanKit", targets: ["PlacePlanKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // OpenBLAS through its C interface (Debian: libopenblas-dev).
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // COIN-OR CBC, the mixed-integer solver of `placeplan plan`, through its C interface
        // (Debian: coinor-libcbc-dev; Eclipse Public License 2.0).
        .systemLibrary(
            name: "CCbc",
            pkgConfig: "cbc",
            providers: [.apt(["coinor-libcbc-dev"])]
        ),
        // OpenSSL's libcrypto, the SHA-256 of a saved run's inputs (Debian: libssl-dev;
        // Apache License 2.0).
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // libxlsxwriter, the Excel workbooks of `--format xlsx` (Debian: libxlsxwriter-dev; BSD).
        .systemLibrary(
            name: "CXlsxWriter",
            pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev"])]
        ),
        // Everything that is not command-line handling: inputs, estimation, projection,
        // scenarios, SEND, sufficiency, planning, backtest and output.
        .target(
            name: "PlacePlanKit",
            dependencies: [
                "COpenBLAS",
                "CCbc",
                "CXlsxWriter",
                "COpenSSL",
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The thin command-line front end.
        .executableTarget(
            name: "placeplan",
            dependencies: [
                "PlacePlanKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `make bench`: the speed of the draws on the demo authority.
        .executableTarget(
            name: "placeplan-bench",
            dependencies: ["PlacePlanKit"],
            path: "Benchmarks/PlacePlanBench"
        ),
        // `make fuzz`: libFuzzer harnesses, built with -sanitize=fuzzer by scripts/fuzz.sh.
        .executableTarget(
            name: "placeplan-fuzz",
            dependencies: ["PlacePlanKit"]
        ),
        .testTarget(
            name: "PlacePlanKitTests",
            dependencies: ["PlacePlanKit", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["placeplan", "PlacePlanKit"]
        ),
    ]
)
