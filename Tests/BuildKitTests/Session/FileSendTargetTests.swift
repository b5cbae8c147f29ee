import BuildContext
import BuildKit
import Foundation
import GRPC
import Testing

/// The export receiver driven by a scripted daemon over a socketpair: what lands in the
/// destination, and what is refused.
@Suite("FileSendTarget")
struct FileSendTargetTests {
  /// A destination directory inside a scratch folder, so escapes can be looked for beside it.
  final class Scratch {
    let root = NSTemporaryDirectory() + "filesend-\(UUID().uuidString)"
    var destination: String { self.root + "/out" }

    init() throws {
      try FileManager.default.createDirectory(atPath: self.root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: self.root) }

    /// Every path below the scratch folder but outside the destination.
    func strayPaths() -> [String] {
      let all = FileManager.default.enumerator(atPath: self.root)?.allObjects as? [String] ?? []
      return all.filter { $0 != "out" && !$0.hasPrefix("out/") }
    }
  }

  private static func stat(_ path: String, mode: UInt32, size: Int64 = 0, link: String = "")
    -> [UInt8]
  {
    FSUtil.Packet(
      type: .stat,
      stat: FSUtil.Stat(
        path: path, mode: mode, size: size, modTime: 1_700_000_000_123_456_789, linkname: link)
    ).encoded()
  }

  /// Sends a listing as the daemon would and answers REQs with `contents`; returns the error the
  /// receiver ended the call with, if any.
  private func send(
    _ listing: [[UInt8]],
    contents: [UInt32: [UInt8]] = [:],
    to target: FileSendTarget
  ) async throws -> GRPCError? {
    try await ScriptedDaemon.exchange(with: target) { client -> GRPCError? in
      do {
        try await client.bidirectionalStreaming("/moby.filesync.v1.FileSend/DiffCopy") {
          stream throws(GRPCError) in
          for packet in listing { try await stream.send(packet) }
          try await stream.send(FSUtil.Packet(type: .stat).encoded())
          while let bytes = try await stream.receive() {
            let packet = try? FSUtil.Packet(decoding: bytes)
            switch packet?.type {
            case .req?:
              let id = packet!.id
              if let data = contents[id], !data.isEmpty {
                try await stream.send(FSUtil.Packet(type: .data, id: id, data: data).encoded())
              }
              try await stream.send(FSUtil.Packet(type: .data, id: id).encoded())
            case .fin?:
              try await stream.send(FSUtil.Packet(type: .fin).encoded())
              try await stream.closeSend()
            default:
              break
            }
          }
        }
        return nil
      } catch {
        return error as? GRPCError
      }
    }
  }

  @Test("a local export writes directories, files, modes, times and symlinks")
  func writesTheTree() async throws {
    let scratch = try Scratch()
    let target = FileSendTarget(destinations: [0: .directory(scratch.destination)])
    let error = try await self.send(
      [
        Self.stat("bin", mode: 0x8000_01ED),
        Self.stat("bin/tool", mode: 0o755, size: 5),
        Self.stat("bin/tool-link", mode: 0x0800_01FF, link: "tool"),
        Self.stat("empty", mode: 0o600),
      ],
      contents: [1: Array("hello".utf8)],
      to: target
    )
    #expect(error == nil)
    let tool = scratch.destination + "/bin/tool"
    #expect(FileManager.default.contents(atPath: tool) == Data("hello".utf8))
    let attributes = try FileManager.default.attributesOfItem(atPath: tool)
    #expect((attributes[.posixPermissions] as? Int) == 0o755)
    #expect(
      try FileManager.default.destinationOfSymbolicLink(
        atPath: scratch.destination + "/bin/tool-link") == "tool")
    #expect(FileManager.default.contents(atPath: scratch.destination + "/empty") == Data())
    var info = Foundation.stat()
    #expect(lstat(tool, &info) == 0)
    #expect(info.st_mtim.tv_nsec == 123_456_789)
  }

  @Test(
    "entries that would land outside the destination are refused, naming them",
    arguments: [
      ["../escape"],
      ["/etc/escape"],
      ["a/../../escape"],
      ["link", "link/escape"],
    ]
  )
  func refusesEscapes(paths: [String]) async throws {
    let scratch = try Scratch()
    let target = FileSendTarget(destinations: [0: .directory(scratch.destination)])
    var listing: [[UInt8]] = []
    for path in paths {
      listing.append(
        path == "link"
          ? Self.stat(path, mode: 0x0800_01FF, link: scratch.root)
          : Self.stat(path, mode: 0o644, size: 1)
      )
    }
    let error = try await self.send(listing, contents: [0: [1], 1: [1]], to: target)
    #expect(error?.message.contains(paths.last!) == true, "\(String(describing: error))")
    #expect(scratch.strayPaths().isEmpty)
  }

  @Test("a hardlink to a name that is not an earlier file is refused")
  func refusesDanglingHardlinks() async throws {
    let scratch = try Scratch()
    let target = FileSendTarget(destinations: [0: .directory(scratch.destination)])
    let error = try await self.send([Self.stat("b", mode: 0o644, link: "../outside")], to: target)
    #expect(error?.message.contains("\"b\"") == true, "\(String(describing: error))")
  }

  /// Streams `chunks` as a tarball export to `target` and half-closes, as the daemon does.
  /// - Returns: The error the call ended with, if any.
  private func sendTarball(_ chunks: [[UInt8]], to target: FileSendTarget) async throws
    -> GRPCError?
  {
    try await ScriptedDaemon.exchange(with: target) { client -> GRPCError? in
      do {
        try await client.bidirectionalStreaming("/moby.filesync.v1.FileSend/DiffCopy") {
          stream throws(GRPCError) in
          for chunk in chunks {
            try await stream.send(FileSync.BytesMessage(data: chunk).encoded())
          }
          try await stream.closeSend()
          while try await stream.receive() != nil {}
        }
        return nil
      } catch {
        return error as? GRPCError
      }
    }
  }

  @Test("a tarball export lands under its name only once complete")
  func writesTarballsAtomically() async throws {
    let scratch = try Scratch()
    let path = scratch.root + "/image.tar"
    let target = FileSendTarget(destinations: [0: .file(path)])
    var archive: [UInt8] = []
    var writer = TarWriter { archive.append(contentsOf: $0) }
    try writer.writeEntry(
      TarHeader(path: "big", kind: .regularFile, mode: 0o644, size: 300_000),
      content: [UInt8](repeating: 7, count: 300_000)
    )
    try writer.finish()
    let chunks = stride(from: 0, to: archive.count, by: 100_000).map {
      Array(archive[$0..<min($0 + 100_000, archive.count)])
    }
    let error = try await self.sendTarball(chunks, to: target)
    #expect(error == nil)
    #expect(FileManager.default.contents(atPath: path) == Data(chunks.joined()))
    #expect(scratch.strayPaths() == ["image.tar"])
  }

  @Test("a tarball export that stops short of the archive's end is refused and removed")
  func refusesTruncatedTarballs() async throws {
    let scratch = try Scratch()
    let path = scratch.root + "/image.tar"
    let target = FileSendTarget(destinations: [0: .file(path)])
    let error = try await self.sendTarball([[1, 2, 3]], to: target)
    #expect(error?.message.contains(path) == true, "\(String(describing: error))")
    #expect(scratch.strayPaths().isEmpty)
  }

  @Test("a tarball export into a folder that does not exist fails naming the destination")
  func refusesAMissingFolder() async throws {
    let scratch = try Scratch()
    let path = scratch.root + "/missing/image.tar"
    let target = FileSendTarget(destinations: [0: .file(path)])
    let error = try await self.sendTarball([[1, 2, 3]], to: target)
    #expect(error?.message.contains("cannot write the export to \(path)") == true)
    #expect(error?.message.contains("No such file or directory") == true)
    #expect(scratch.strayPaths().isEmpty)
  }

  @Test("an export the daemon abandons leaves no file behind")
  func abandonedTarball() async throws {
    let scratch = try Scratch()
    let path = scratch.root + "/image.tar"
    let target = FileSendTarget(destinations: [0: .file(path)])
    _ = try await ScriptedDaemon.exchange(with: target) { client in
      try? await client.bidirectionalStreaming("/moby.filesync.v1.FileSend/DiffCopy") {
        stream throws(GRPCError) in
        try await stream.send(FileSync.BytesMessage(data: [1, 2, 3]).encoded())
        stream.cancel()
      }
    }
    // The handler ends once the cancellation reaches it; give it a moment to clean up.
    for _ in 0..<50 where !scratch.strayPaths().isEmpty {
      try await Task.sleep(for: .milliseconds(20))
    }
    #expect(scratch.strayPaths().isEmpty)
  }

  @Test("an unknown exporter id is answered NOT_FOUND")
  func unknownExporter() async throws {
    let target = FileSendTarget(destinations: [:])
    let error: GRPCError? = try await ScriptedDaemon.exchange(with: target) {
      client -> GRPCError? in
      do {
        _ = try await client.unary("/moby.filesync.v1.FileSend/DiffCopy", request: [])
        return nil
      } catch {
        return error as? GRPCError
      }
    }
    #expect(error?.status == .notFound)
  }
}
