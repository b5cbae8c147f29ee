// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
  name: "swift-buildkit",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "BuildKit", targets: ["BuildKit"]),
    .library(name: "OCI", targets: ["OCI"]),
    .library(name: "BuildContext", targets: ["BuildContext"]),
    .library(name: "GRPC", targets: ["GRPC"]),
    .executable(name: "buildkit", targets: ["BuildKitCLI"]),
  ],
  targets: [
    // C libraries from Debian's -dev packages, each behind one module map.
    .systemLibrary(name: "CGRPC", path: "Sources/CGRPC"),
    .systemLibrary(name: "CProtobufC", path: "Sources/CProtobufC"),
    .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL"),
    // protobuf-c code generated from Protos/ by Scripts/generate-protos.
    .target(
      name: "CBuildKitProtos",
      dependencies: ["CProtobufC"],
      path: "Sources/CBuildKitProtos"
    ),
    .target(name: "GRPC", dependencies: ["CGRPC", "COpenSSL"], swiftSettings: swiftSettings),
    .target(name: "BuildContext", swiftSettings: swiftSettings),
    .target(name: "OCI", dependencies: ["COpenSSL", "BuildContext"], swiftSettings: swiftSettings),
    .target(
      name: "BuildKit",
      dependencies: ["GRPC", "CBuildKitProtos", "CProtobufC", "BuildContext", "OCI"],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "BuildKitCLI",
      dependencies: ["BuildKit", "OCI", "BuildContext"],
      swiftSettings: swiftSettings
    ),
    // Measures repeated builds from one long-lived library client, for Scripts/bench.
    .executableTarget(
      name: "BuildKitBench",
      dependencies: ["BuildKit"],
      swiftSettings: swiftSettings
    ),
    .testTarget(name: "GRPCTests", dependencies: ["GRPC"], swiftSettings: swiftSettings),
    .testTarget(name: "BuildContextTests", dependencies: ["BuildContext"], swiftSettings: swiftSettings),
    .testTarget(name: "OCITests", dependencies: ["OCI"], swiftSettings: swiftSettings),
    .testTarget(
      name: "BuildKitTests",
      dependencies: ["BuildKit", "CBuildKitProtos", "GRPC", "BuildContext"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "BuildKitCLITests",
      dependencies: ["BuildKitCLI", "BuildKit"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "IntegrationTests",
      dependencies: ["BuildKit", "OCI", "BuildContext", "GRPC"],
      swiftSettings: swiftSettings
    ),
  ],
  swiftLanguageModes: [.v6]
)
