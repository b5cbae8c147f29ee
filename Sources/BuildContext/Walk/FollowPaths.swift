/// Resolution of BuildKit's `followpaths` into extra include patterns.
///
/// The Dockerfile frontend asks for a few named files (`Dockerfile`, `.dockerignore`) with
/// `followpaths`. When such a path, or a directory on the way to it, is a symlink inside the
/// context, the link alone would be useless to the daemon, so the client also includes what the
/// link points to, recursively:
///
/// - The path is walked component by component from the context root. Each component that is a
///   symlink is itself included, and the walk restarts from the link's target joined with the
///   rest of the path. A relative target is resolved against the link's directory, an absolute
///   target is taken relative to the context root; neither can climb above the root.
/// - A component whose name holds a wildcard (`*`, `?`, `[`) is compared with the directory's
///   entries using Go's `filepath.Match`, and every matching symlink is followed.
/// - A path that ends without meeting a symlink is included as written (wildcards and all).
/// - Each link is followed once, which also stops loops.
///
/// The resolved list is sorted and pruned of paths already covered by an earlier one; if it
/// contains the root itself (`.`), it means "no include filter" and is returned as nil.
import Glibc

enum FollowPaths {
  /// Resolves `paths` inside `root` (an absolute, symlink-free directory path).
  /// - Returns: The include patterns, or nil when the whole context is included.
  static func resolve(_ paths: [String], root: String) throws -> [String]? {
    var resolver = Resolver(root: root)
    for path in paths {
      try resolver.add(path)
    }
    let sorted = resolver.resolved.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    return self.dedupe(sorted)
  }

  /// Drops paths inside the previous kept path; nil when the root itself is present.
  static func dedupe(_ paths: [String]) -> [String]? {
    var kept: [String] = []
    var last: [UInt8] = []
    for path in paths {
      guard path != "." else { return nil }
      let bytes = Array(path.utf8)
      if bytes.starts(with: last + [UInt8(ascii: "/")]) { continue }
      kept.append(path)
      last = bytes
    }
    return kept
  }

  private struct Resolver {
    let root: String
    var resolved: Set<String> = []

    mutating func add(_ path: String) throws {
      var rest = path
      var current = "."
      while true {
        let bytes = Array(rest.utf8)
        let cut = bytes.firstIndex(of: UInt8(ascii: "/"))
        let first = String(decoding: bytes[..<(cut ?? bytes.count)], as: UTF8.self)
        rest = cut.map { String(decoding: bytes[($0 + 1)...], as: UTF8.self) } ?? ""
        current = GoPath.join(current, first)

        let targets = try self.linkTargets(of: current, allowingWildcard: true)
        if rest.isEmpty || !targets.isEmpty, self.resolved.contains(current) {
          return
        }
        if !targets.isEmpty {
          self.resolved.insert(current)
          for target in targets {
            try self.add(GoPath.join(target, rest))
          }
          return
        }
        if rest.isEmpty {
          self.resolved.insert(current)
          return
        }
      }
    }

    /// The root-relative targets (as absolute `/…` paths) of the symlink at `path`, or of every
    /// symlink whose name matches a wildcard last component; empty when there is none.
    private func linkTargets(of path: String, allowingWildcard: Bool) throws -> [String] {
      // Never look above the root, whatever `..` the caller wrote.
      let hostPath = self.root + GoPath.join("/", path)
      let base = GoPath.base(path)

      if allowingWildcard, Self.containsWildcards(base) {
        let directory = GoPath.dir(path)
        var targets: [String] = []
        for name in try Self.names(in: GoPath.dir(hostPath)) where GoGlob.matches(base, name: name)
        {
          targets += try self.linkTargets(of: GoPath.join(directory, name), allowingWildcard: false)
        }
        return targets
      }

      let status: FileStatus
      switch System.status(atPath: hostPath) {
      case .success(let value): status = value
      case .failure(let error) where error.errno == ENOENT || error.errno == ENOTDIR: return []
      case .failure(let error): throw Self.failure(path, error)
      }
      guard status.isSymlink else { return [] }

      let parent = GoPath.dir(hostPath)
      let name = Array(GoPath.base(hostPath).utf8)
      let descriptor = try Self.openParent(parent, for: path)
      defer { close(descriptor) }
      let link: String
      switch System.readLink(name, in: descriptor) {
      case .success(let bytes): link = GoPath.clean(String(decoding: bytes, as: UTF8.self))
      case .failure(let error): throw Self.failure(path, error)
      }
      if link.hasPrefix("/") { return [link] }
      return [GoPath.join("/", GoPath.join(GoPath.dir(path), link))]
    }

    private static func openParent(_ hostPath: String, for path: String) throws -> Int32 {
      switch System.openDirectory(atPath: hostPath) {
      case .success(let descriptor): return descriptor
      case .failure(let error): throw self.failure(path, error)
      }
    }

    /// Entry names of a host directory, sorted by bytes; empty when it does not exist.
    private static func names(in hostPath: String) throws -> [String] {
      let descriptor: Int32
      switch System.openDirectory(atPath: hostPath) {
      case .success(let value): descriptor = value
      case .failure(let error) where error.errno == ENOENT || error.errno == ENOTDIR: return []
      case .failure(let error): throw self.failure(hostPath, error)
      }
      defer { close(descriptor) }
      switch DirectoryReader.children(of: descriptor) {
      case .success(let children):
        return children.map(\.name).sorted { $0.lexicographicallyPrecedes($1) }
          .map { String(decoding: $0, as: UTF8.self) }
      case .failure(let error):
        throw self.failure(hostPath, error)
      }
    }

    /// Go's check: an unescaped `*`, `?` or `[`.
    private static func containsWildcards(_ name: String) -> Bool {
      var escaped = false
      for byte in name.utf8 {
        if escaped {
          escaped = false
        } else if byte == UInt8(ascii: "\\") {
          escaped = true
        } else if byte == UInt8(ascii: "*") || byte == UInt8(ascii: "?")
          || byte == UInt8(ascii: "[")
        {
          return true
        }
      }
      return false
    }

    private static func failure(_ path: String, _ error: SystemCallError) -> ContextError {
      ContextError(
        code: .io,
        message: "cannot resolve follow-path \"\(path)\"; check that it is readable",
        cause: error
      )
    }
  }
}
