import BuildContext
public import GRPC

/// Serves local directories to the daemon: the build context, the directory holding the
/// Dockerfile, and any named local context.
///
/// The daemon asks for a directory by name (`dir-name` metadata on a FileSync/DiffCopy call) and
/// says which parts it wants (`include-patterns`, `exclude-patterns`, `followpaths`); we walk the
/// directory with those filters and stream it with ``FileSyncSender``. Names we were not given
/// are refused with NOT_FOUND.
public struct FileSyncProvider: SessionAttachable {
  /// The directories served, keyed by the name the daemon asks for.
  public let directories: [String: String]

  /// Creates a provider.
  /// - Parameter directories: Local paths keyed by name, e.g. `["context": ".", "dockerfile": "."]`.
  public init(directories: [String: String]) {
    self.directories = directories
  }

  public var handlers: [String: Server.Handler] {
    let directories = self.directories
    return [
      "/moby.filesync.v1.FileSync/DiffCopy": { call in
        let name = call.metadata.first("dir-name") ?? ""
        guard let root = directories[name] else {
          throw GRPCError.status(.notFound, "no access allowed to dir \"\(name)\"")
        }
        let options = WalkOptions(
          includePatterns: Self.values("include-patterns", in: call.metadata),
          excludePatterns: Self.values("exclude-patterns", in: call.metadata),
          followPaths: Self.values("followpaths", in: call.metadata)
        )
        try await FileSyncSender(root: root, options: options, call: call).run()
      }
      // The Go client advertises TarStream too; no daemon calls it, and we leave it out so an
      // unexpected call is answered UNIMPLEMENTED.
    ]
  }

  /// The values of a repeated metadata key, unescaped when the daemon marked them encoded.
  static func values(_ key: String, in metadata: Metadata) -> [String] {
    let values = metadata.values(for: key)
    guard metadata.first("\(key)-encoded") == "1" else { return values }
    return values.map(Self.queryUnescaped)
  }

  /// Undoes URL query escaping: `+` is a space, `%XX` a byte.
  static func queryUnescaped(_ text: String) -> String {
    var bytes: [UInt8] = []
    var input = Array(text.utf8)[...]
    while let byte = input.popFirst() {
      switch byte {
      case UInt8(ascii: "+"):
        bytes.append(UInt8(ascii: " "))
      case UInt8(ascii: "%") where input.count >= 2:
        let hex = String(decoding: input.prefix(2), as: UTF8.self)
        if let value = UInt8(hex, radix: 16) {
          bytes.append(value)
          input = input.dropFirst(2)
        } else {
          bytes.append(byte)
        }
      default:
        bytes.append(byte)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
