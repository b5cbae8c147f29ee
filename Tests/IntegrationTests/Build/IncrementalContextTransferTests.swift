import BuildKit
import Foundation
import Testing

/// With a stable shared key the daemon keeps its copy of the context between builds and asks only
/// for what changed. The daemon reports what it received in `VertexStatus` rows whose id starts
/// with `transferring context`; their `current` is the byte count so far.
///
/// The builds run on a daemon of the test's own: daemon a is shared, and a prune there between
/// two builds (other suites and developers prune it) would drop the daemon's copy of the context
/// and make the rebuild send everything again.
@Suite("Rebuilding a context transfers only the files that changed", .requiresTestBed)
struct IncrementalContextTransferTests {
  static let bigSize = 24 << 20
  static let smallSize = 256 << 10
  /// What a transfer of no file data may still count (listing, a .dockerignore lookup).
  static let slack: Int64 = 64 << 10

  /// Runs a build and adds up the bytes of every context transfer it reported (the highest
  /// `current` of each transfer row).
  static func contextBytes(_ client: BuildKitClient, _ request: BuildRequest) async throws -> Int64
  {
    let (_, bytes) = try await client.build(request) { updates in
      var highest: [String: Int64] = [:]
      for await update in updates {
        for status in update.statuses where status.id.hasPrefix("transferring context") {
          let key = status.vertex + "\u{0}" + status.id
          highest[key] = max(highest[key] ?? 0, status.current)
        }
      }
      return highest.values.reduce(0, +)
    }
    return bytes
  }

  @Test("a changed file of unchanged size is sent again, and nothing else is")
  func sendsOnlyTheChangedFile() async throws {
    let bed = try TestBed.require()
    let folder = try ScratchFolder("incremental")
    defer { folder.remove() }
    try folder.largeFile("ctx/big.bin", size: Self.bigSize, seed: 3)
    try folder.largeFile("ctx/small.bin", size: Self.smallSize, seed: 4)
    try folder.file("ctx/notes/readme.txt", "unchanged\n")
    try folder.setModificationTime("ctx/small.bin", seconds: 1_700_000_000, nanoseconds: 1)
    // The whole context feeds the first stage; only the small file is exported.
    try folder.file(
      "df/Dockerfile",
      "FROM scratch AS all\nCOPY . /ctx/\n\n"
        + "FROM scratch\nCOPY --from=all /ctx/small.bin /small.bin\n"
    )

    let daemon = try await PrivateBuildkitd(bed)
    let sharedKey = "btest-incremental-\(UniqueName.token())"
    func request(_ output: String) -> BuildRequest {
      BuildRequest(
        localDirectories: ["context": folder.url("ctx"), "dockerfile": folder.url("df")],
        exports: [.init(type: "local", destination: .directory(folder.url(output)))],
        sharedKey: sharedKey)
    }

    let transfers: Result<(Int64, Int64, Int64), any Error>
    do {
      let client = try BuildKitClient(address: daemon.address)
      defer { client.close() }
      let initial = try await Self.contextBytes(client, request("out1"))
      let unchanged = try await Self.contextBytes(client, request("out2"))
      try folder.largeFile("ctx/small.bin", size: Self.smallSize, seed: 5)
      try folder.setModificationTime("ctx/small.bin", seconds: 1_700_000_100, nanoseconds: 2)
      let changed = try await Self.contextBytes(client, request("out3"))
      transfers = .success((initial, unchanged, changed))
    } catch {
      transfers = .failure(error)
    }
    await daemon.destroy()
    let (initial, unchanged, changed) = try transfers.get()

    #expect(initial >= Int64(Self.bigSize + Self.smallSize), "first build sent \(initial) bytes")
    #expect(unchanged < Self.slack, "the unchanged rebuild sent \(unchanged) bytes")
    #expect(
      changed >= Int64(Self.smallSize) && changed < Int64(Self.smallSize) + Self.slack,
      "the rebuild after one change sent \(changed) bytes; the changed file has \(Self.smallSize)")
    #expect(folder.contents("out1/small.bin") == folder.contents("out2/small.bin"))
    #expect(folder.contents("out3/small.bin") == folder.contents("ctx/small.bin"))
    #expect(folder.contents("out3/small.bin") != folder.contents("out1/small.bin"))
  }
}
