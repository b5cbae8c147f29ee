import BuildKit
import Foundation
import OCI
import Testing

@Suite("The buildkit program's multi-platform builds and imagetools", .requiresTestBed, .serialized)
struct MultiPlatformCLITests {
  static let amd64 = Platform(os: "linux", architecture: "amd64")
  static let arm64 = Platform(os: "linux", architecture: "arm64")

  func buildkit(_ arguments: [String], environment: [String: String] = [:]) async throws
    -> ProcessOutput
  {
    try await Subprocess.run(
      MultiPlatformFixtures.cliPath, arguments, environment: environment, timeout: .seconds(300))
  }

  /// The `buildkit build` arguments for both platforms on daemons a and c, pushing to `tag`.
  func buildArguments(_ bed: TestBed, context: String, tag: String, registry: String) -> [String] {
    [
      "build", "--addr", bed.tcpAddress, "--context", context,
      "--platform", "linux/amd64,linux/arm64", "--builder", "linux/arm64=\(bed.arm64Address)",
      "--tag", tag, "--push", "--insecure-registry", registry, "--progress", "plain",
    ]
  }

  /// Pushes a two-platform image with the library, for the imagetools tests.
  func pushTwoPlatformImage(_ bed: TestBed, folder: MultiPlatformFolder, tag: ImageReference)
    async throws
    -> MultiPlatformResult
  {
    let context = try MultiPlatformFixtures.context(
      in: folder, architectures: ["amd64", "arm64"], salt: UUID().uuidString)
    let builders = try BuilderSet(
      defaultAddress: bed.tcpAddress, platformAddresses: [Self.arm64: bed.arm64Address])
    defer { builders.close() }
    return try await MultiPlatformBuilder(
      builders: builders, registry: MultiPlatformFixtures.registryClient(insecure: [bed.registry])
    ).run(
      MultiPlatformBuild(
        request: MultiPlatformFixtures.request(context: context),
        platforms: [Self.amd64, Self.arm64], tags: [tag]))
  }

  @Test(
    "build prefixes every progress line with its platform and records all digests in --metadata-file"
  )
  func buildWithMetadata() async throws {
    let bed = try TestBed.require()
    try await MultiPlatformFolder.with { folder in
      let context = try MultiPlatformFixtures.context(
        in: folder, architectures: ["amd64", "arm64"], salt: UUID().uuidString)
      let repository = "\(bed.registry)/\(MultiPlatformFixtures.repository("cli"))"
      let metadata = folder.url.appendingPathComponent("metadata.json")

      let output = try await self.buildkit(
        self.buildArguments(bed, context: context, tag: "\(repository):v1", registry: bed.registry)
          + ["--metadata-file", metadata.path])

      #expect(output.status == 0, "stderr: \(output.standardError)")
      let lines = output.standardError.split(separator: "\n")
      #expect(lines.contains { $0.hasPrefix("[linux/amd64] #") })
      #expect(lines.contains { $0.hasPrefix("[linux/arm64] #") })
      #expect(!lines.contains { $0.hasPrefix("#") })

      let raw = try await MultiPlatformSkopeo.raw("\(repository):v1")
      let index = try ImageIndex.decode(raw)
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(contentsOf: metadata)) as? [String: Any])
      #expect(
        object["containerimage.digest"] as? String == (try Digest.sha256(of: raw)).description)
      #expect(object["image.name"] as? String == "\(repository):v1")
      let platforms = try #require(object["platforms"] as? [String: [String: Any]])
      #expect(
        platforms["linux/amd64"]?["containerimage.digest"] as? String
          == index.manifests[0].digest.description)
      #expect(
        platforms["linux/arm64"]?["containerimage.digest"] as? String
          == index.manifests[1].digest.description)
      #expect(platforms["linux/arm64"]?["builder"] as? String == bed.arm64Address)
    }
  }

  @Test("build fails naming the platform whose build fails, with its report, and moves no tag")
  func buildFailure() async throws {
    let bed = try TestBed.require()
    try await MultiPlatformFolder.with { folder in
      let context = try MultiPlatformFixtures.context(
        in: folder, architectures: ["amd64"], salt: UUID().uuidString)
      let repository = "\(bed.registry)/\(MultiPlatformFixtures.repository("cli-fail"))"

      let output = try await self.buildkit(
        self.buildArguments(bed, context: context, tag: "\(repository):v1", registry: bed.registry))

      #expect(output.status == 1)
      #expect(output.standardError.contains("[linux/arm64] Dockerfile:4"))
      #expect(output.standardError.contains("error: linux/arm64 (builder \(bed.arm64Address))"))
      #expect(try await MultiPlatformSkopeo.exists("\(repository):v1") == false)
    }
  }

  @Test("build reads the registry password from a credential helper named in config.json")
  func credentialHelper() async throws {
    let bed = try TestBed.require()
    try await MultiPlatformFolder.with { folder in
      let context = try MultiPlatformFixtures.context(
        in: folder, architectures: ["amd64", "arm64"], salt: UUID().uuidString)
      let helper = try MultiPlatformFixtures.credentialHelper(
        in: folder, registry: bed.authRegistry, user: bed.registryUser,
        password: bed.registryPassword)
      let repository = "\(bed.authRegistry)/\(MultiPlatformFixtures.repository("cli-auth"))"

      let output = try await self.buildkit(
        self.buildArguments(
          bed, context: context, tag: "\(repository):v1", registry: bed.authRegistry)
          + ["--push-from-client"],
        environment: MultiPlatformFixtures.helperEnvironment(
          bin: helper.bin, configDirectory: helper.configDirectory))

      #expect(output.status == 0, "stderr: \(output.standardError)")
      let index = try ImageIndex.decode(
        try await MultiPlatformSkopeo.raw(
          "\(repository):v1", credentials: "\(bed.registryUser):\(bed.registryPassword)"))
      #expect(index.manifests.map(\.platform) == [Self.amd64, Self.arm64])
    }
  }

  @Test("build with a wrong password in config.json fails naming the registry")
  func wrongPassword() async throws {
    let bed = try TestBed.require()
    try await MultiPlatformFolder.with { folder in
      let context = try MultiPlatformFixtures.context(
        in: folder, architectures: ["amd64", "arm64"], salt: UUID().uuidString)
      let auth = Data("\(bed.registryUser):wrong".utf8).base64EncodedString()
      try folder.write(
        "docker/config.json", #"{"auths": {"\#(bed.authRegistry)": {"auth": "\#(auth)"}}}"#)
      let repository = "\(bed.authRegistry)/\(MultiPlatformFixtures.repository("cli-denied"))"

      let output = try await self.buildkit(
        self.buildArguments(
          bed, context: context, tag: "\(repository):v1", registry: bed.authRegistry),
        environment: ["DOCKER_CONFIG": folder.url.appendingPathComponent("docker").path])

      #expect(output.status == 1)
      #expect(output.standardError.contains("registry \(bed.authRegistry) refused the credentials"))
      #expect(!output.standardError.contains("wrong"))
    }
  }

  @Test(
    "imagetools inspect shows the platforms, digests and sizes, and whether amd64 and arm64 are both there"
  )
  func inspect() async throws {
    let bed = try TestBed.require()
    try await MultiPlatformFolder.with { folder in
      let repository = "\(bed.registry)/\(MultiPlatformFixtures.repository("inspect"))"
      let tag = try ImageReference(parsing: "\(repository):v1")
      let result = try await self.pushTwoPlatformImage(bed, folder: folder, tag: tag)
      let insecure = ["--insecure-registry", bed.registry]

      let raw = try await self.buildkit(
        ["imagetools", "inspect", "--raw", tag.description] + insecure)
      #expect(raw.status == 0, "stderr: \(raw.standardError)")
      #expect(raw.stdout == (try await MultiPlatformSkopeo.raw(tag.description)))

      let json = try await self.buildkit(
        ["imagetools", "inspect", "--format", "json", tag.description] + insecure)
      #expect(json.status == 0, "stderr: \(json.standardError)")
      let object = try #require(
        try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
      #expect(object["digest"] as? String == result.index.descriptor.digest.description)
      #expect(object["platforms"] as? [String] == ["linux/amd64", "linux/arm64"])
      #expect(object["coversLinuxAmd64AndArm64"] as? Bool == true)
      let manifests = try #require(object["manifests"] as? [[String: Any]])
      #expect(
        manifests.map { $0["digest"] as? String }
          == result.platforms.map { $0.manifest.digest.description })
      #expect(manifests.allSatisfy { ($0["imageSize"] as? Int ?? 0) > 0 })

      let single = "\(repository)@\(result.platforms[1].manifest.digest)"
      let text = try await self.buildkit(["imagetools", "inspect", single] + insecure)
      #expect(text.status == 0, "stderr: \(text.standardError)")
      #expect(text.standardOutput.contains("Platforms:  linux/arm64\n"))
      #expect(text.standardOutput.contains("Covers linux/amd64 and linux/arm64: no"))
    }
  }

  @Test(
    "imagetools create combines images from another repository into a new index, or only prints it with --dry-run"
  )
  func create() async throws {
    let bed = try TestBed.require()
    try await MultiPlatformFolder.with { folder in
      let source = "\(bed.registry)/\(MultiPlatformFixtures.repository("create-source"))"
      let result = try await self.pushTwoPlatformImage(
        bed, folder: folder, tag: try ImageReference(parsing: "\(source):v1"))
      let target = "\(bed.registry)/\(MultiPlatformFixtures.repository("create-target"))"
      let amd = "\(source)@\(result.platforms[0].manifest.digest)"
      let arm = "\(source)@\(result.platforms[1].manifest.digest)"
      let insecure = ["--insecure-registry", bed.registry]

      let dry = try await self.buildkit(
        ["imagetools", "create", "--dry-run", "--tag", "\(target):dry", arm, amd] + insecure)
      #expect(dry.status == 0, "stderr: \(dry.standardError)")
      let printed = try ImageIndex.decode(Data(dry.standardOutput.utf8.dropLast()))
      #expect(printed.manifests.map(\.platform) == [Self.arm64, Self.amd64])
      #expect(try await MultiPlatformSkopeo.exists("\(target):dry") == false)

      let created = try await self.buildkit(
        ["imagetools", "create", "--tag", "\(target):v1", amd, arm] + insecure)
      #expect(created.status == 0, "stderr: \(created.standardError)")
      let raw = try await MultiPlatformSkopeo.raw("\(target):v1")
      #expect(raw == result.index.data)
      #expect(created.standardOutput == "\(result.index.descriptor.digest)\n")
      let config = try await MultiPlatformSkopeo.config("\(target):v1", architecture: "arm64")
      #expect(config["architecture"] as? String == "arm64")
    }
  }

  @Test("imagetools create --append adds a platform to the index the tag already holds")
  func append() async throws {
    let bed = try TestBed.require()
    try await MultiPlatformFolder.with { folder in
      let source = "\(bed.registry)/\(MultiPlatformFixtures.repository("append-source"))"
      let result = try await self.pushTwoPlatformImage(
        bed, folder: folder, tag: try ImageReference(parsing: "\(source):v1"))
      let target = "\(bed.registry)/\(MultiPlatformFixtures.repository("append-target"))"
      let amd = "\(source)@\(result.platforms[0].manifest.digest)"
      let arm = "\(source)@\(result.platforms[1].manifest.digest)"
      let insecure = ["--insecure-registry", bed.registry]

      let first = try await self.buildkit(
        ["imagetools", "create", "--tag", "\(target):v1", amd] + insecure)
      #expect(first.status == 0, "stderr: \(first.standardError)")
      let appended = try await self.buildkit(
        ["imagetools", "create", "--append", "--tag", "\(target):v1", arm] + insecure)
      #expect(appended.status == 0, "stderr: \(appended.standardError)")
      let index = try ImageIndex.decode(try await MultiPlatformSkopeo.raw("\(target):v1"))
      #expect(index.manifests.map(\.digest) == result.platforms.map(\.manifest.digest))

      let duplicate = try await self.buildkit(
        ["imagetools", "create", "--tag", "\(target):v2", amd, "\(source):v1"] + insecure)
      #expect(duplicate.status == 1)
      #expect(duplicate.standardError.contains("both have platform linux/amd64"))
    }
  }
}
