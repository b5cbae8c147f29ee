import BuildContext
import BuildKit
import Foundation
import GRPC
import Testing

/// The context sender driven by a scripted daemon over a socketpair: the daemon reads the
/// listing, requests files and checks what arrives.
@Suite("FileSyncSender")
struct FileSyncSenderTests {
  /// A context folder removed when the test ends.
  final class Context {
    let root = NSTemporaryDirectory() + "filesync-\(UUID().uuidString)"

    init(files: [String: Int]) throws {
      for (path, size) in files {
        let full = self.root + "/" + path
        try FileManager.default.createDirectory(
          atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(Self.contents(of: path, size: size)).write(to: URL(fileURLWithPath: full))
      }
    }

    deinit { try? FileManager.default.removeItem(atPath: self.root) }

    /// Bytes that differ from file to file and from one position to the next.
    static func contents(of path: String, size: Int) -> [UInt8] {
      let seed = path.utf8.reduce(0) { $0 &* 31 &+ Int($1) }
      return (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ seed &+ $0 >> 9) }
    }
  }

  /// What the scripted daemon received: each requested file's bytes by path, and whether the
  /// sender answered its FIN.
  struct Transfer: Sendable {
    var files: [String: [UInt8]] = [:]
    var finAnswered = false
  }

  /// Lists `context` as the daemon would, calls `beforeRequests`, requests every regular file,
  /// collects them and ends the exchange with FIN.
  func transfer(
    _ context: Context, beforeRequests: @escaping @Sendable () throws -> Void = {}
  ) async throws -> Transfer {
    let provider = FileSyncProvider(directories: ["context": context.root])
    let metadata = {
      var metadata = Metadata()
      metadata.append("dir-name", "context")
      return metadata
    }()
    return try await ScriptedDaemon.exchange(with: provider) { client in
      try await client.bidirectionalStreaming(
        "/moby.filesync.v1.FileSync/DiffCopy", metadata: metadata
      ) { stream throws(GRPCError) in
        var paths: [UInt32: String] = [:]
        var id: UInt32 = 0
        while let bytes = try await stream.receive() {
          let packet = try Self.decode(bytes)
          guard let stat = packet.stat, !stat.path.isEmpty else { break }
          if FileMode.isRegularFile(stat.mode) { paths[id] = stat.path }
          id += 1
        }
        do {
          try beforeRequests()
        } catch {
          throw GRPCError.status(.internal, "the test could not prepare: \(error)")
        }
        for requested in paths.keys.sorted() {
          try await stream.send(FSUtil.Packet(type: .req, id: requested).encoded())
        }
        var transfer = Transfer()
        var open = Set(paths.keys)
        while !open.isEmpty, let bytes = try await stream.receive() {
          let packet = try Self.decode(bytes)
          #expect(packet.type == .data, "unexpected packet \(packet.type)")
          guard let path = paths[packet.id] else {
            Issue.record("data for unrequested id \(packet.id)")
            continue
          }
          if packet.data.isEmpty {
            #expect(open.remove(packet.id) != nil, "\(path) ended twice")
          } else {
            transfer.files[path, default: []] += packet.data
          }
        }
        for path in paths.values where transfer.files[path] == nil {
          transfer.files[path] = []
        }
        try await stream.send(FSUtil.Packet(type: .fin).encoded())
        let answer = try await stream.receive()
        transfer.finAnswered =
          try answer.map { bytes throws(GRPCError) in try Self.decode(bytes).type } == .fin
        #expect(try await stream.receive() == nil)
        return transfer
      }
    }
  }

  static func decode(_ bytes: [UInt8]) throws(GRPCError) -> FSUtil.Packet {
    guard let packet = try? FSUtil.Packet(decoding: bytes) else {
      throw GRPCError.status(.internal, "the sender sent a malformed packet")
    }
    return packet
  }

  @Test("sends every requested file whole, whether small, at the size limits or in chunks")
  func sendsEveryFileWhole() async throws {
    let sizes = [
      "empty": 0, "small.txt": 100, "d/inner.txt": 10, "below": (64 << 10) - 1,
      "at": 64 << 10, "large": 300 << 10, "chunked": (1 << 20) * 3 / 2,
    ]
    let context = try Context(files: sizes)
    let transfer = try await self.transfer(context)
    #expect(transfer.finAnswered)
    #expect(Set(transfer.files.keys) == Set(sizes.keys))
    for (path, size) in sizes {
      #expect(transfer.files[path] == Context.contents(of: path, size: size), "\(path)")
    }
  }

  @Test("sends a small file that grew after it was listed as it is now")
  func sendsAGrownFileAsItIsNow() async throws {
    let context = try Context(files: ["grows.txt": 100, "stays.txt": 50])
    let grown = Context.contents(of: "grows.txt", size: 100) + [1, 2, 3]
    let path = context.root + "/grows.txt"
    let transfer = try await self.transfer(context) {
      try Data(grown).write(to: URL(fileURLWithPath: path))
    }
    #expect(transfer.finAnswered)
    #expect(transfer.files["grows.txt"] == grown)
    #expect(transfer.files["stays.txt"] == Context.contents(of: "stays.txt", size: 50))
  }
}
