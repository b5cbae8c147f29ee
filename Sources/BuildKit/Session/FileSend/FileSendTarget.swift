import BuildContext
import Foundation
public import GRPC

/// Receives the exports that the daemon streams back to us, through FileSend/DiffCopy.
///
/// The daemon opens one call per export and names the export by its index in the solve
/// request's exporter list (`buildkit-attachable-exporter-id`, absent meaning 0). Tarball
/// exports (`tar`, `oci`, `docker`) arrive as raw chunks of one tar stream in `BytesMessage`s;
/// the daemon half-closes after the last one and we end the call once the file is complete.
/// `local` exports arrive as fsutil packets with the daemon as sender, handled by
/// ``DirectoryReceiver``.
public struct FileSendTarget: SessionAttachable {
  /// Destinations by exporter index.
  public let destinations: [Int: ExportDestination]

  /// Creates a target.
  /// - Parameter destinations: Where each export goes, by its index in the exporter list.
  public init(destinations: [Int: ExportDestination]) {
    self.destinations = destinations
  }

  public var handlers: [String: Server.Handler] {
    let destinations = self.destinations
    return [
      "/moby.filesync.v1.FileSend/DiffCopy": { call in
        let text = call.metadata.first("buildkit-attachable-exporter-id") ?? "0"
        guard let index = Int(text), let destination = destinations[index] else {
          throw GRPCError.status(.notFound, "exporter \(text) not found")
        }
        switch destination {
        case .directory(let path):
          try await DirectoryReceiver(root: path, call: call).run()
        case .file(let path):
          try await Self.receiveTarball(call: call, into: path)
        case .standardOutput:
          while let bytes = try await call.receive() {
            try FileHandle.standardOutput.write(contentsOf: FileSync.BytesMessage.data(of: bytes))
          }
        }
      }
    ]
  }

  /// Writes the tar stream to a temporary file beside `path` and renames it into place when
  /// complete, so a failed export never leaves a partial file under the requested name.
  private static func receiveTarball(call: ServerCall, into path: String) async throws {
    let directory = (path as NSString).deletingLastPathComponent
    let temporary =
      (directory.isEmpty ? "." : directory)
      + "/.\((path as NSString).lastPathComponent).partial-\(getpid())"
    let file: TarballFile
    do {
      file = try TarballFile(creatingAt: temporary)
    } catch {
      throw GRPCError.status(
        error.status, "cannot write the export to \(path): \(error.message)")
    }
    var complete = false
    defer {
      if !complete { unlink(temporary) }
    }
    // A stream that ends early looks like one that ended normally, so the archive itself must
    // show that it is complete before it takes the requested name.
    var archive = TarReader()
    do {
      while let bytes = try await call.receive() {
        let chunk = try FileSync.BytesMessage.data(of: bytes)
        try archive.consume(chunk) { _ in }
        try file.append(chunk)
      }
      try archive.finish()
      guard archive.isAtEnd else {
        throw GRPCError.status(
          .dataLoss, "the export to \(path) ended before its archive was complete")
      }
      try file.finish()
    } catch let error as ContextError {
      throw GRPCError.status(
        .dataLoss, "the export to \(path) is not a complete archive: \(error.message)")
    }
    guard rename(temporary, path) == 0 else {
      throw GRPCError.status(
        .permissionDenied,
        "cannot move the export into \(path): \(String(cString: strerror(errno)))")
    }
    complete = true
  }
}
