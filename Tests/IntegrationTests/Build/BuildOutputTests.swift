import Foundation
import Testing

/// Every exporter `buildkit build --output` offers, read back with tools of the system (`tar`)
/// or with skopeo from the registry.
@Suite("buildkit build exports to every kind of output", .requiresTestBed)
struct BuildOutputTests {
  /// A small context with a file of each kind, and a Dockerfile that copies it into `/app`.
  static func makeContext(_ folder: ScratchFolder) throws {
    try folder.file("ctx/readme.txt", "read me\n")
    try folder.file("ctx/bin/run.sh", "#!/bin/sh\necho run\n", mode: 0o755)
    try folder.file("ctx/data/values.csv", "a,b\n1,2\n", mode: 0o600)
    try folder.symlink("ctx/data/latest", to: "values.csv")
    try folder.directory("ctx/empty")
    try folder.file("ctx/unique.txt", "\(UniqueName.token())\n")
    try folder.file("df/Dockerfile", "FROM scratch\nCOPY . /app/\n")
  }

  /// The context options for `makeContext`'s folders.
  static func contextArguments(_ folder: ScratchFolder) -> [String] {
    ["--context", folder.url("ctx"), "--file", folder.url("df/Dockerfile")]
  }

  /// `tar -tv`'s way of writing permission bits, such as `rwxr-xr-x`.
  static func symbolic(_ permissions: UInt32) -> String {
    let letters = Array("rwxrwxrwx")
    return String(
      (0..<9).map { index in permissions & (0o400 >> UInt32(index)) != 0 ? letters[index] : "-" })
  }

  /// One line per entry: type and permissions, size, path and link target, as `tar -tv` shows
  /// them (sizes of directories and links are 0 in a tar).
  static func listing(of tree: FileTree) -> [String] {
    tree.paths.compactMap { path in
      guard let entry = tree[path] else { return nil }
      switch entry.kind {
      case .directory: return "d\(Self.symbolic(entry.permissions)) 0 \(path)"
      case .regular: return "-\(Self.symbolic(entry.permissions)) \(entry.size) \(path)"
      case .symlink(let target):
        return "l\(Self.symbolic(entry.permissions)) 0 \(path) -> \(FileTree.text(target))"
      case .other: return "? \(path)"
      }
    }.sorted()
  }

  /// Reads `tar --numeric-owner -tvf` into the same lines as `listing(of:)`.
  static func tarListing(_ text: String) -> [String] {
    text.split(separator: "\n").compactMap { line in
      let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
      guard fields.count == 6 else { return "unreadable: \(line)" }
      var name = String(fields[5])
      var target = ""
      if let arrow = name.range(of: " -> ") {
        target = " -> " + name[arrow.upperBound...]
        name = String(name[..<arrow.lowerBound])
      }
      while name.hasPrefix("./") { name.removeFirst(2) }
      while name.hasSuffix("/") { name.removeLast() }
      guard !name.isEmpty, name != "." else { return nil }
      return "\(fields[0]) \(fields[2]) \(name)\(target)"
    }.sorted()
  }

  @Test("the tar output lists, with the system's tar, the same tree as the local output")
  func tarMatchesLocal() async throws {
    let bed = try TestBed.require()
    let folder = try ScratchFolder("tar")
    defer { folder.remove() }
    try Self.makeContext(folder)

    let local = try await BuildkitProgram.build(
      bed, Self.contextArguments(folder) + ["--output", "type=local,dest=\(folder.url("local"))"])
    try #require(local.status == 0, "\(local.buildReport)")
    let tar = try await BuildkitProgram.build(
      bed, Self.contextArguments(folder) + ["--output", "type=tar,dest=\(folder.url("out.tar"))"])
    try #require(tar.status == 0, "\(tar.buildReport)")

    let listed = try await Subprocess.run(
      "tar", ["--numeric-owner", "-tvf", folder.url("out.tar")], timeout: .seconds(60))
    try #require(listed.succeeded, "\(listed.buildReport)")
    let tree = try FileTree(folder.url("local"))
    #expect(tree.paths.contains("app/data/latest"))
    #expect(Self.tarListing(listed.standardOutput) == Self.listing(of: tree))
  }

  @Test("the oci output is a tarball with oci-layout, index.json and the blobs it names")
  func ociTarball() async throws {
    let bed = try TestBed.require()
    let folder = try ScratchFolder("oci")
    defer { folder.remove() }
    try Self.makeContext(folder)

    let output = try await BuildkitProgram.build(
      bed,
      Self.contextArguments(folder) + [
        "--output", "type=oci,dest=\(folder.url("image.tar")),name=btest/oci:v1",
      ])
    try #require(output.status == 0, "\(output.buildReport)")

    let names = try await Self.tarNames(folder.url("image.tar"))
    #expect(names.contains("oci-layout"))
    #expect(names.contains("index.json"))
    let index = try await Self.tarMember("index.json", of: folder.url("image.tar"))
    let object = try JSONSerialization.jsonObject(with: index) as? [String: Any]
    let manifests = object?["manifests"] as? [[String: Any]] ?? []
    let digest = try #require(manifests.first?["digest"] as? String, "index.json: \(object ?? [:])")
    #expect(names.contains("blobs/sha256/" + digest.dropFirst("sha256:".count)))
    #expect(names.filter { $0.hasPrefix("blobs/sha256/") }.count >= 3)  // manifest, config, layer
  }

  @Test("the docker output is a tarball with manifest.json naming the image")
  func dockerTarball() async throws {
    let bed = try TestBed.require()
    let folder = try ScratchFolder("docker")
    defer { folder.remove() }
    try Self.makeContext(folder)
    let name = UniqueName.repository(in: bed.registry, "docker") + ":v2"

    let output = try await BuildkitProgram.build(
      bed,
      Self.contextArguments(folder) + [
        "--output", "type=docker,dest=\(folder.url("image.tar")),name=\(name)",
      ])
    try #require(output.status == 0, "\(output.buildReport)")

    let names = try await Self.tarNames(folder.url("image.tar"))
    #expect(names.contains("manifest.json"))
    let manifest = try await Self.tarMember("manifest.json", of: folder.url("image.tar"))
    let entries = try JSONSerialization.jsonObject(with: manifest) as? [[String: Any]] ?? []
    let tags = entries.first?["RepoTags"] as? [String] ?? []
    #expect(tags == [name], "manifest.json: \(String(decoding: manifest, as: UTF8.self))")
    let layers = entries.first?["Layers"] as? [String] ?? []
    #expect(layers.count == 1)
    #expect(layers.allSatisfy(names.contains))
  }

  /// The ways to ask for a pushed image.
  enum PushSpelling: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case imageWithPush = "--output type=image,name=REF,push=true"
    case registry = "--output type=registry,name=REF"
    case tagAndPush = "--tag REF --push"

    var testDescription: String { self.rawValue }

    func arguments(_ reference: String) -> [String] {
      switch self {
      case .imageWithPush: ["--output", "type=image,name=\(reference),push=true"]
      case .registry: ["--output", "type=registry,name=\(reference)"]
      case .tagAndPush: ["--tag", reference, "--push"]
      }
    }
  }

  @Test(
    "a pushed image is in the registry and the metadata file has its digest",
    arguments: PushSpelling.allCases)
  func pushesToTheRegistry(spelling: PushSpelling) async throws {
    let bed = try TestBed.require()
    let folder = try ScratchFolder("push")
    defer { folder.remove() }
    try Self.makeContext(folder)
    let reference = UniqueName.repository(in: bed.registry, "pushed") + ":latest"

    let output = try await BuildkitProgram.build(
      bed,
      Self.contextArguments(folder) + spelling.arguments(reference) + [
        "--metadata-file", folder.url("metadata.json"),
      ])
    try #require(output.status == 0, "\(output.buildReport)")

    let image = try await RegistryReadback.inspect(reference)
    let metadata = try #require(folder.contents("metadata.json"), "no metadata file")
    let object = try JSONSerialization.jsonObject(with: metadata) as? [String: Any]
    #expect(object?["containerimage.digest"] as? String == image.digest)
    #expect(object?["image.name"] as? String == reference)
    let descriptor = object?["containerimage.descriptor"] as? [String: Any]
    #expect(descriptor?["digest"] as? String == image.digest)
    #expect(image.layers.count == 1)
  }

  /// The member names of a tarball, with any leading `./` removed.
  static func tarNames(_ path: String) async throws -> [String] {
    let listed = try await Subprocess.run("tar", ["-tf", path], timeout: .seconds(60))
    guard listed.succeeded else {
      throw ScratchError(message: "tar -tf \(path): \(listed.buildReport)")
    }
    return listed.standardOutput.split(separator: "\n").map { line in
      line.hasPrefix("./") ? String(line.dropFirst(2)) : String(line)
    }
  }

  /// One member of a tarball.
  static func tarMember(_ name: String, of path: String) async throws -> Data {
    let extracted = try await Subprocess.run("tar", ["-xOf", path, name], timeout: .seconds(60))
    guard extracted.succeeded else {
      throw ScratchError(message: "tar -xOf \(path) \(name): \(extracted.buildReport)")
    }
    return extracted.stdout
  }
}
