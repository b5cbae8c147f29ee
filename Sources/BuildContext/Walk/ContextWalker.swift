/// A depth-first walk of a build context in the order BuildKit's FileSync receiver demands.
///
/// The daemon validates the STAT stream and fails with "changes out of order" unless:
///
/// - paths are relative, `/`-separated and clean, and the root itself is never sent;
/// - the walk is depth-first, a directory's entry comes immediately before its subtree, and the
///   children of each directory are sorted by name in byte order (UTF-8 bytes, as Go's
///   `os.ReadDir` sorts; Swift's `String` ordering differs), so `a`, `a/x`, `a-b` is right;
/// - the parent directory of every path has already been sent.
///
/// Filtering follows fsutil's filter (include patterns, exclude patterns, follow-paths; see
/// ``WalkOptions``). Directories that are walked only because something inside them may be kept
/// are emitted lazily, just before their first kept descendant. Directories that can contain
/// nothing kept are never opened. Symlinks are reported, never followed. Sockets are skipped,
/// because their data cannot be sent (Go clients send them as broken regular files).
///
/// The walker keeps one open descriptor per directory level of the current path, reads each
/// directory once, and looks at entries with `fstatat`, so a walk costs one `lstat` per kept
/// entry and one `openat` per descended directory.
import Glibc

/// Filters applied by a ``ContextWalker``, as the daemon sends them in the DiffCopy metadata.
public struct WalkOptions: Sendable {
  /// Keep only entries that match (or whose parent directory matches) one of these; empty means
  /// no include filter.
  public var includePatterns: [String]
  /// Drop entries that match (or whose parent matches); the last matching pattern decides and a
  /// `!` pattern re-includes.
  public var excludePatterns: [String]
  /// Paths added to the include set together with the targets of symlinks on the way to them.
  public var followPaths: [String]

  /// Creates walk options.
  /// - Parameters:
  ///   - includePatterns: Include patterns; empty for no include filter.
  ///   - excludePatterns: Exclude patterns, such as a parsed `.dockerignore`.
  ///   - followPaths: Paths whose symlinks are resolved into the include set.
  public init(
    includePatterns: [String] = [],
    excludePatterns: [String] = [],
    followPaths: [String] = []
  ) {
    self.includePatterns = includePatterns
    self.excludePatterns = excludePatterns
    self.followPaths = followPaths
  }
}

/// Walks a directory and yields ``ContextEntry`` values in BuildKit's order.
///
/// Pull entries with ``next()`` or hand a closure to ``forEachEntry(_:)``. The walker owns open
/// directory descriptors until the walk ends or ``close()`` is called.
public final class ContextWalker {
  /// The context root as an absolute path with symlinks resolved.
  public let root: String

  let include: PatternMatcher?
  let exclude: PatternMatcher?
  var stack: [Frame] = []
  var outbox: [ContextEntry] = []
  var outboxStart = 0
  var firstNames: [FileIdentity: String] = [:]
  /// Called with the relative path of every directory the walker opens (tests count them).
  var directoryOpenObserver: ((String) -> Void)?

  /// Opens `root` for walking and compiles the filters.
  /// - Parameters:
  ///   - root: The context directory; a symlink to a directory is resolved first.
  ///   - options: Include, exclude and follow-path filters.
  /// - Throws: ``ContextError`` when the root is missing or not a directory
  ///   (``ContextError/Code/notFound``, ``ContextError/Code/invalidPath``), or when a pattern is
  ///   malformed (``ContextError/Code/invalidPattern``).
  public init(root: String, options: WalkOptions = WalkOptions()) throws {
    switch System.resolvedPath(root) {
    case .success(let resolved): self.root = resolved
    case .failure(let error):
      throw ContextError(
        code: error.errno == ENOENT ? .notFound : .io,
        message: "context directory \"\(root)\" cannot be resolved; check that it exists",
        cause: error
      )
    }

    let descriptor: Int32
    switch System.openDirectory(atPath: self.root) {
    case .success(let value): descriptor = value
    case .failure(let error):
      throw ContextError(
        code: error.errno == ENOTDIR ? .invalidPath : .io,
        message: "context \"\(root)\" cannot be opened as a directory; pass a directory",
        cause: error
      )
    }

    do {
      (self.include, self.exclude) = try Self.makeMatchers(options, root: self.root)
      let children = try Self.sortedChildren(of: descriptor)
      self.stack.append(Frame(descriptor: descriptor, children: children, path: []))
    } catch {
      Glibc.close(descriptor)
      throw (error as? ContextError) ?? Self.failure([], error, root: self.root)
    }
  }

  deinit {
    for frame in self.stack {
      Glibc.close(frame.descriptor)
    }
  }

  /// Returns the next entry, or nil when the walk is complete.
  /// - Returns: The next entry in BuildKit's order.
  /// - Throws: ``ContextError`` naming the path that could not be read.
  public func next() throws -> ContextEntry? {
    while true {
      if self.outboxStart < self.outbox.count {
        let entry = self.outbox[self.outboxStart]
        self.outboxStart += 1
        return entry
      }
      self.outbox.removeAll(keepingCapacity: true)
      self.outboxStart = 0
      guard !self.stack.isEmpty else { return nil }
      try self.advance()
    }
  }

  /// Calls `body` with every remaining entry in order.
  /// - Parameter body: Receives each entry; an error it throws ends the walk.
  /// - Throws: ``ContextError`` from the walk, or whatever `body` throws.
  public func forEachEntry(_ body: (ContextEntry) throws -> Void) throws {
    while let entry = try self.next() {
      try body(entry)
    }
  }

  /// Walks `root` completely and returns every entry.
  /// - Parameters:
  ///   - root: The context directory.
  ///   - options: Include, exclude and follow-path filters.
  /// - Returns: The entries in BuildKit's order.
  /// - Throws: ``ContextError`` as ``init(root:options:)`` and ``next()`` do.
  public static func entries(
    in root: String,
    options: WalkOptions = WalkOptions()
  ) throws -> [ContextEntry] {
    let walker = try ContextWalker(root: root, options: options)
    var entries: [ContextEntry] = []
    try walker.forEachEntry { entries.append($0) }
    return entries
  }

  /// Ends the walk early and closes the open directories; ``next()`` then returns nil.
  public func close() {
    for frame in self.stack {
      Glibc.close(frame.descriptor)
    }
    self.stack.removeAll()
    self.outbox.removeAll()
    self.outboxStart = 0
  }
}

// Building the filters and reading directories. The include set is the union of the include
// patterns and the resolved follow-paths, as in fsutil: when follow-paths are given, the combined
// list is pruned of entries covered by an earlier one, and a list that contains the root (`.`)
// means "no include filter at all".
extension ContextWalker {
  static func makeMatchers(
    _ options: WalkOptions,
    root: String
  ) throws -> (include: PatternMatcher?, exclude: PatternMatcher?) {
    var includes = options.includePatterns
    if !options.followPaths.isEmpty,
      let targets = try FollowPaths.resolve(options.followPaths, root: root)
    {
      includes = FollowPaths.dedupe(includes + targets) ?? []
    }

    var include: PatternMatcher?
    if !includes.isEmpty {
      include = try Self.matcher(includes, role: "include")
    }
    var exclude: PatternMatcher?
    if !options.excludePatterns.isEmpty {
      exclude = try Self.matcher(options.excludePatterns, role: "exclude")
    }
    return (include, exclude)
  }

  private static func matcher(_ patterns: [String], role: String) throws -> PatternMatcher {
    do {
      let matcher = try PatternMatcher(patterns: patterns)
      return matcher
    } catch var error as ContextError {
      error.message = "invalid \(role) patterns: " + error.message
      throw error
    }
  }

  /// Lists a directory's children sorted by name bytes, as Go's `os.ReadDir` returns them.
  static func sortedChildren(of descriptor: Int32) throws -> [DirectoryChild] {
    switch DirectoryReader.children(of: descriptor) {
    case .success(var children):
      children.sort { $0.name.lexicographicallyPrecedes($1.name) }
      return children
    case .failure(let error):
      throw error
    }
  }

  /// Whether an error means the entry disappeared while the walk ran.
  static func isGone(_ error: SystemCallError) -> Bool {
    error.errno == ENOENT || error.errno == ENOTDIR
  }

  static func failure(_ path: [UInt8], _ error: any Error, root: String) -> ContextError {
    let shown = path.isEmpty ? "." : String(decoding: path, as: UTF8.self)
    return ContextError(
      code: .io,
      message:
        "cannot read \"\(shown)\" in context \"\(root)\"; check its permissions or exclude it",
      cause: error
    )
  }
}

// Not Sendable: it owns open directory descriptors and mutable walk state; use it from one task.
@available(*, unavailable)
extension ContextWalker: Sendable {}
