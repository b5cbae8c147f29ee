import Foundation
import OCI
import Testing

@testable import BuildKit

@Suite("The builders of a multi-platform build")
struct BuilderSetTests {
  static let amd64 = Platform(os: "linux", architecture: "amd64")
  static let arm64 = Platform(os: "linux", architecture: "arm64")

  @Test("sends a platform without an address of its own to the default daemon")
  func defaultDaemon() throws {
    let builders = try BuilderSet(
      defaultAddress: "tcp://127.0.0.1:1", platformAddresses: [Self.arm64: "tcp://127.0.0.1:2"])
    defer { builders.close() }
    #expect(builders.address(for: Self.amd64) == "tcp://127.0.0.1:1")
    #expect(builders.address(for: try Platform(parsing: "linux/arm64/v8")) == "tcp://127.0.0.1:2")
    #expect(builders.client(for: Self.arm64) !== builders.client(for: Self.amd64))
  }

  @Test("shares one client between platforms that name the same daemon")
  func sharedClient() throws {
    let builders = try BuilderSet(
      defaultAddress: "tcp://127.0.0.1:1",
      platformAddresses: [Self.arm64: "tcp://127.0.0.1:1", Self.amd64: "tcp://127.0.0.1:1"])
    defer { builders.close() }
    #expect(builders.client(for: Self.arm64) === builders.client(for: Self.amd64))
  }

  @Test("refuses an address that does not parse")
  func badAddress() throws {
    let error = #expect(throws: BuildKitError.self) {
      try BuilderSet(
        defaultAddress: "tcp://127.0.0.1:1", platformAddresses: [Self.arm64: "ftp://x"])
    }
    #expect(error?.code == .invalidArgument)
  }

  @Test("names the platforms of a daemon that cannot be reached")
  func unreachable() async throws {
    let port = try ClosedPort.make()
    let builders = try BuilderSet(
      defaultAddress: "tcp://127.0.0.1:\(port)",
      platformAddresses: [Self.arm64: "tcp://127.0.0.1:\(port)"])
    defer { builders.close() }
    let error = await #expect(throws: BuildKitError.self) {
      try await builders.connect(for: [Self.amd64, Self.arm64], timeout: .seconds(2))
    }
    #expect(error?.code == .connectionFailed)
    #expect(
      error?.message.hasPrefix("linux/amd64, linux/arm64 (builder tcp://127.0.0.1:\(port))") == true
    )
    #expect((error?.cause as? PlatformBuildFailure)?.platform == Self.amd64)
  }

  @Test("accepts the image of the platform that was asked for, in any spelling")
  func matchingPlatform() throws {
    let image = try FixtureImage(platform: Self.arm64)
    let resolved = try ResolvedImage(manifest: image.manifest, config: image.config.data)
    let picked = try MultiPlatformBuilder.single(
      [resolved], platform: try Platform(parsing: "linux/aarch64"))
    #expect(picked == resolved)
  }

  @Test("refuses an export whose image is for another platform")
  func otherPlatform() throws {
    let image = try FixtureImage(platform: Self.amd64)
    let resolved = try ResolvedImage(manifest: image.manifest, config: image.config.data)
    let error = #expect(throws: BuildKitError.self) {
      try MultiPlatformBuilder.single([resolved], platform: Self.arm64)
    }
    #expect(error?.message.contains("linux/amd64 when linux/arm64 was asked for") == true)
  }

  @Test("refuses an export with several images")
  func severalImages() throws {
    let amd = try FixtureImage(platform: Self.amd64)
    let resolved = try ResolvedImage(manifest: amd.manifest, config: amd.config.data)
    #expect(throws: BuildKitError.self) {
      try MultiPlatformBuilder.single([resolved, resolved], platform: Self.amd64)
    }
  }
}

/// A loopback TCP port that nothing listens on: bound, then released.
enum ClosedPort {
  static func make() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
      }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
  }
}
