import Foundation
import Testing

/// Build secrets (`--secret`, `RUN --mount=type=secret`): the step can read the value, and the
/// value leaves no trace in anything the build produced or printed.
@Suite("buildkit build serves secrets without leaking them", .requiresTestBed)
struct BuildSecretTests {
  /// Where the secret's value comes from.
  enum Source: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case file = "src=FILE"
    case environment = "env=VARIABLE"

    var testDescription: String { self.rawValue }
  }

  /// The files of a folder, and of the gzip streams among them, that contain `needle`.
  static func leaks(of needle: Data, under root: String) async throws -> [String] {
    var found = try FileTree.files(containing: needle, under: root)
    let tree = try FileTree(root)
    for path in tree.paths where tree[path]?.kind == .regular {
      guard let head = FileHandle(forReadingAtPath: root + "/" + path)?.readData(ofLength: 2),
        head == Data([0x1f, 0x8b])
      else { continue }
      let unpacked = try await Subprocess.run(
        "gzip", ["-dc", root + "/" + path], timeout: .seconds(60))
      if !unpacked.succeeded {
        found.append("\(path) (gzip could not read it: \(unpacked.standardError))")
      } else if unpacked.stdout.range(of: needle) != nil {
        found.append("\(path) (inside its gzip stream)")
      }
    }
    return found
  }

  @Test(
    "a secret is readable in RUN and absent from exports, pushed layers, metadata and progress",
    arguments: Source.allCases)
  func servesASecretWithoutLeakingIt(source: Source) async throws {
    let bed = try TestBed.require()
    let base = try await BusyboxBaseImage.reference(bed)
    let folder = try ScratchFolder("secret")
    defer { folder.remove() }
    let secret = "s3cret-\(UniqueName.token())-\(UniqueName.token())"
    let needle = Data(secret.utf8)
    let variable = "BTEST_SECRET_\(UniqueName.token().uppercased())"
    let secretArguments: [String]
    switch source {
    case .file:
      try folder.file("secret.txt", secret, mode: 0o600)
      secretArguments = ["--secret", "id=tok,src=\(folder.url("secret.txt"))"]
    case .environment:
      secretArguments = ["--secret", "id=tok,env=\(variable)"]
    }
    let environment = [variable: secret]
    // The token makes the step unique, so it runs (and reads the secret) instead of coming from
    // the cache of another test.
    try folder.file(
      "ctx/Dockerfile",
      """
      FROM \(base)
      RUN --mount=type=secret,id=tok,required=true \\
          echo \(UniqueName.token()) > /step.txt && \\
          wc -c < /run/secrets/tok | tr -d ' ' > /secret-length.txt && \\
          ls -l /run/secrets > /secret-listing.txt

      """)
    let common = ["--context", folder.url("ctx")] + secretArguments
    let reference = UniqueName.repository(in: bed.registry, "secret") + ":latest"

    let local = try await BuildkitProgram.build(
      bed,
      common + [
        "--output", "type=local,dest=\(folder.url("local"))", "--metadata-file",
        folder.url("local.json"),
      ], environment: environment)
    try #require(local.status == 0, "\(local.buildReport)")
    let oci = try await BuildkitProgram.build(
      bed,
      common + [
        "--output", "type=oci,dest=\(folder.url("image.tar")),name=btest/secret:v1",
        "--metadata-file", folder.url("oci.json"),
      ], environment: environment)
    try #require(oci.status == 0, "\(oci.buildReport)")
    let pushed = try await BuildkitProgram.build(
      bed,
      common + ["--tag", reference, "--push", "--metadata-file", folder.url("push.json")],
      environment: environment)
    try #require(pushed.status == 0, "\(pushed.buildReport)")

    #expect(folder.text("local/secret-length.txt") == "\(secret.utf8.count)\n")
    #expect(folder.text("local/secret-listing.txt")?.contains("tok") == true)
    #expect(try await Self.leaks(of: needle, under: folder.url("local")).isEmpty)

    try folder.directory("oci")
    let unpacked = try await Subprocess.run(
      "tar", ["-xf", folder.url("image.tar"), "-C", folder.url("oci")], timeout: .seconds(60))
    try #require(unpacked.succeeded, "\(unpacked.buildReport)")
    #expect(folder.contents("image.tar")?.range(of: needle) == nil)
    #expect(try await Self.leaks(of: needle, under: folder.url("oci")).isEmpty)

    try await RegistryReadback.copy(reference, toDirectory: folder.url("registry"))
    let blobs = try FileTree(folder.url("registry")).paths
    #expect(blobs.count >= 4, "skopeo copied \(blobs)")  // manifest, config, two layers
    #expect(try await Self.leaks(of: needle, under: folder.url("registry")).isEmpty)

    for file in ["local.json", "oci.json", "push.json"] {
      let metadata = try #require(folder.contents(file), "\(file) was not written")
      #expect(metadata.range(of: needle) == nil, "\(file) contains the secret")
    }
    for (name, output) in [("local", local), ("oci", oci), ("push", pushed)] {
      #expect(output.stderr.range(of: needle) == nil, "the \(name) build printed the secret")
      #expect(output.stdout.range(of: needle) == nil, "the \(name) build printed the secret")
    }
  }

  @Test("a required secret that the client does not have fails the build, naming its id")
  func failsOnAMissingRequiredSecret() async throws {
    let bed = try TestBed.require()
    let base = try await BusyboxBaseImage.reference(bed)
    let folder = try ScratchFolder("secret-missing")
    defer { folder.remove() }
    let id = "absent-\(UniqueName.token())"
    try folder.file("given.txt", "value")
    try folder.file(
      "ctx/Dockerfile",
      "FROM \(base)\nRUN --mount=type=secret,id=\(id),required=true cat /run/secrets/\(id)\n")

    let output = try await BuildkitProgram.build(
      bed, ["--context", folder.url("ctx"), "--secret", "id=other,src=\(folder.url("given.txt"))"])

    #expect(output.status == 1, "\(output.buildReport)")
    #expect(output.standardError.contains(id), "\(output.buildReport)")
  }
}
