import BuildKit
import Foundation
import OCI
import Testing

@Suite("A multi-platform build description")
struct MultiPlatformBuildTests {
  static let amd64 = Platform(os: "linux", architecture: "amd64")
  static let arm64 = Platform(os: "linux", architecture: "arm64")

  static func build(
    tags: [String] = ["127.0.0.1:5000/team/app:v1"],
    platforms: [Platform] = [amd64, arm64],
    archTags: Bool = false,
    format: IndexFormat = .oci,
    pushMode: MultiPlatformBuild.PushMode = .daemon,
    request: BuildRequest = BuildRequest(
      frontendAttributes: ["filename": "Dockerfile", "platform": "linux/amd64,linux/arm64"],
      localDirectories: ["context": "/src"])
  ) throws -> MultiPlatformBuild {
    MultiPlatformBuild(
      request: request,
      platforms: platforms,
      tags: try tags.map { try ImageReference(parsing: $0) },
      archTags: archTags,
      indexFormat: format,
      pushMode: pushMode,
      exportAttributes: ["compression": "zstd"])
  }

  @Test("asks the daemon to push each platform by digest to the tag's repository")
  func daemonPushExport() throws {
    let request = try Self.build().request(for: Self.arm64)
    #expect(request.frontendAttributes["platform"] == "linux/arm64")
    #expect(request.frontendAttributes["filename"] == "Dockerfile")
    #expect(request.localDirectories == ["context": "/src"])
    #expect(
      request.exports == [
        BuildRequest.Export(
          type: "image",
          attributes: [
            "name": "127.0.0.1:5000/team/app", "push": "true", "push-by-digest": "true",
            "oci-mediatypes": "true", "compression": "zstd",
          ])
      ])
  }

  @Test("names every repository of the tags once in the push")
  func severalRepositories() throws {
    let build = try Self.build(tags: [
      "127.0.0.1:5000/team/app:v1", "127.0.0.1:5000/team/app:latest", "127.0.0.1:5000/mirror/app",
    ])
    #expect(
      build.repositories.map(\.description) == [
        "127.0.0.1:5000/team/app", "127.0.0.1:5000/mirror/app",
      ])
    let request = build.request(for: Self.amd64)
    #expect(
      request.exports.first?.attributes["name"]
        == "127.0.0.1:5000/team/app,127.0.0.1:5000/mirror/app")
    #expect(build.tags.map(\.tag) == ["v1", "latest", "latest"])
  }

  @Test("marks the push insecure only for insecure registries")
  func insecureRegistries() throws {
    let build = try Self.build()
    let insecure = build.request(for: Self.amd64, insecureRegistries: ["127.0.0.1:5000"])
    let secure = build.request(for: Self.amd64, insecureRegistries: ["127.0.0.1:6000"])
    #expect(insecure.exports.first?.attributes["registry.insecure"] == "true")
    #expect(secure.exports.first?.attributes["registry.insecure"] == nil)
  }

  @Test("asks for Docker media types when the index is a Docker manifest list")
  func dockerMediaTypes() throws {
    let request = try Self.build(format: .dockerManifestList).request(for: Self.amd64)
    #expect(request.exports.first?.attributes["oci-mediatypes"] == "false")
  }

  @Test("streams an OCI layout tarball to a file when the client pushes")
  func clientPushExport() throws {
    let tarball = URL(fileURLWithPath: "/tmp/work/0.tar")
    let request = try Self.build(pushMode: .client).request(for: Self.arm64, tarball: tarball)
    let export = try #require(request.exports.first)
    #expect(request.exports.count == 1)
    #expect(export.type == "oci")
    #expect(export.destination == .file("/tmp/work/0.tar"))
    #expect(export.attributes == ["tar": "true", "oci-mediatypes": "true", "compression": "zstd"])
  }

  @Test("gives every platform's solve a ref of its own")
  func freshRefs() throws {
    let build = try Self.build()
    let first = build.request(for: Self.amd64)
    let second = build.request(for: Self.arm64)
    #expect(first.ref != second.ref)
    #expect(first.ref != build.request.ref)
  }

  @Test(
    "names per-platform tags after the architecture and variant",
    arguments: [
      ("127.0.0.1:5000/a:v1", "linux/amd64", "v1-amd64"),
      ("127.0.0.1:5000/a:v1", "linux/arm64/v8", "v1-arm64"),
      ("127.0.0.1:5000/a:v1", "linux/arm/v7", "v1-armv7"),
      ("127.0.0.1:5000/a", "linux/s390x", "latest-s390x"),
    ])
  func archTags(tag: String, platform: String, expected: String) throws {
    let reference = try MultiPlatformBuild.archTag(
      for: try ImageReference(parsing: tag), platform: try Platform(parsing: platform))
    #expect(reference.tag == expected)
    #expect(reference.name == (try ImageReference(parsing: tag)).name)
  }

  /// Descriptions that ``MultiPlatformBuild/validate()`` refuses.
  enum Invalid: CaseIterable, CustomTestStringConvertible, Sendable {
    case noPlatform, samePlatformTwice, noTag, digestTag, exportsInRequest, collidingArchTags

    var testDescription: String {
      switch self {
      case .noPlatform: "has no platform"
      case .samePlatformTwice: "lists linux/arm64 and linux/arm64/v8"
      case .noTag: "has no tag"
      case .digestTag: "names a digest as its tag"
      case .exportsInRequest: "keeps an export in the shared request"
      case .collidingArchTags: "wants per-platform tags for two platforms of one architecture"
      }
    }

    func build() throws -> MultiPlatformBuild {
      let digest = "sha256:" + String(repeating: "a", count: 64)
      switch self {
      case .noPlatform: return try MultiPlatformBuildTests.build(platforms: [])
      case .samePlatformTwice:
        return try MultiPlatformBuildTests.build(platforms: [
          arm64, try Platform(parsing: "linux/arm64/v8"),
        ])
      case .noTag: return try MultiPlatformBuildTests.build(tags: [])
      case .digestTag:
        return try MultiPlatformBuildTests.build(tags: ["127.0.0.1:5000/a@\(digest)"])
      case .exportsInRequest:
        return try MultiPlatformBuildTests.build(
          request: BuildRequest(exports: [BuildRequest.Export(type: "local")]))
      case .collidingArchTags:
        return try MultiPlatformBuildTests.build(
          platforms: [amd64, Platform(os: "windows", architecture: "amd64")], archTags: true)
      }
    }
  }

  @Test("refuses a description that", arguments: Invalid.allCases)
  func refuses(_ invalid: Invalid) throws {
    let build = try invalid.build()
    let error = #expect(throws: BuildKitError.self) { try build.validate() }
    #expect(error?.code == .invalidArgument)
  }

  @Test("accepts two platforms with tags and per-platform tags")
  func accepts() throws {
    try Self.build(archTags: true).validate()
  }
}
