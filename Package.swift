// swift-tools-version:6.1
import PackageDescription

// Layers point inward: DoorstepServer (HTTP) and doorstep (CLI) → DoorstepServices (use cases)
// → adapters (Imaging, Storage, Security, Notify) → DoorstepCore. docs/architecture.md has the picture.
let package = Package(
    name: "doorstep",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "doorstep", targets: ["doorstep"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.1.4"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // libvips, found through pkg-config (Debian: libvips-dev).
        .systemLibrary(name: "CVipsSys", pkgConfig: "vips", providers: [.apt(["libvips-dev"])]),
        // Fixed-argument wrappers around libvips's variadic calls, which Swift cannot call.
        // -O3 in every build: the resampler's loops must vectorise even in debug test runs.
        // libjpeg-turbo and LittleCMS come with libvips-dev; the shim calls them directly too.
        .target(name: "CVips", dependencies: ["CVipsSys", "CDetect"], cSettings: [.unsafeFlags(["-O3"])],
                linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("lcms2")]),
        // Redaction's detectors: OpenCV's dnn module (Debian: libopencv-dev) behind a C face.
        // Only the three modules it uses are linked (pkg-config's list pulls in GUI and video
        // libraries every process would then load); the headers are where Debian puts them.
        // models/ holds the person network, which people.c compiles in with #embed.
        .target(name: "CDetect", exclude: ["models"], cxxSettings: [.unsafeFlags(["-O2", "-I/usr/include/opencv4"])],
                linkerSettings: [.linkedLibrary("opencv_dnn"), .linkedLibrary("opencv_imgproc"), .linkedLibrary("opencv_core")]),

        // cairo and Pango (Debian: libpango1.0-dev, which brings libcairo2-dev), for the
        // evidence pack's PDF (Sources/CPDF); libvips already loads both.
        .systemLibrary(name: "CPangoCairoSys", pkgConfig: "pangocairo", providers: [.apt(["libpango1.0-dev"])]),
        .target(name: "CPDF", dependencies: ["CPangoCairoSys"], cSettings: [.unsafeFlags(["-O2"])], linkerSettings: [.linkedLibrary("jpeg")]),

        .target(name: "DoorstepCore"),
        .target(name: "DoorstepDocuments", dependencies: ["CPDF"]),
        .target(name: "DoorstepImaging", dependencies: ["DoorstepCore", "CVips", "CDetect"], exclude: ["Models/LICENSE.md"], resources: [
            // The face detector's weights (MIT, Models/LICENSE.md), compiled into the binary so a
            // helper process needs no file to start.
            .embedInCode("Models/face_detection_yunet_2023mar.onnx"),
        ]),
        .target(name: "DoorstepSecurity", dependencies: [
            "DoorstepCore",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
        ]),
        .target(name: "DoorstepStorage", dependencies: [
            "DoorstepCore",
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "SQLiteKit", package: "sqlite-kit"),
            .product(name: "PostgresKit", package: "postgres-kit"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "DoorstepNotify", dependencies: [
            "DoorstepCore",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .target(name: "DoorstepServices", dependencies: [
            "DoorstepCore", "DoorstepImaging", "DoorstepSecurity", "DoorstepStorage", "DoorstepNotify", "DoorstepDocuments",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Configuration", package: "swift-configuration"),
        ], resources: [
            // The word catalogues, one file per language, compiled into the binary.
            .embedInCode("Words/Catalogue"),
        ]),
        .target(name: "DoorstepServer", dependencies: [
            "DoorstepCore", "DoorstepServices", "DoorstepSecurity", "DoorstepStorage",
            .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], resources: [
            // Pages, stylesheets, scripts, the service worker, manifest and icon: real files,
            // compiled into the binary (every file name under Assets/ must be unique).
            .embedInCode("Assets"),
        ]),
        .executableTarget(name: "doorstep", dependencies: [
            "DoorstepServer", "DoorstepServices", "DoorstepStorage", "DoorstepImaging", "DoorstepSecurity",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Measuring instruments, not product: a stock-libvips baseline and a pixel decoder for
        // judging output (the benchmarks and the imaging tests use them).
        .target(name: "CVipsMeasures", dependencies: ["CVips", "CVipsSys"], path: "bench/Measures/C"),
        .target(name: "ImagingMeasures", dependencies: ["DoorstepImaging", "CVips", "CVipsMeasures"], path: "bench/Measures/Swift"),
        // The image pipeline alone, for the benchmarks (bench/run).
        .executableTarget(name: "doorstep-pipeline-bench", dependencies: ["DoorstepImaging", "ImagingMeasures"], path: "bench/Pipeline"),

        .testTarget(name: "DoorstepCoreTests", dependencies: ["DoorstepCore"]),
        .testTarget(name: "DoorstepImagingTests", dependencies: ["DoorstepImaging", "ImagingMeasures"]),
        .testTarget(name: "DoorstepSecurityTests", dependencies: ["DoorstepSecurity"]),
        .testTarget(name: "DoorstepStorageTests", dependencies: [
            "DoorstepStorage",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "DoorstepNotifyTests", dependencies: ["DoorstepNotify"]),
        .testTarget(name: "DoorstepServicesTests", dependencies: [
            "DoorstepServices", "DoorstepDocuments", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "DoorstepServerTests", dependencies: [
            "DoorstepServer", "DoorstepServices",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
    ]
)
