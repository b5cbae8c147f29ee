// A snapshot of a directory tree taken with `lstat`, for comparing what two clients exported.
//
// Names are kept as the raw bytes that `readdir` returned: two names that are canonically
// equivalent Unicode (a precomposed "é" and "e" plus a combining accent) are different files on
// Linux and must stay different here, which Swift's `String` comparison would not guarantee.
// Symbolic links are never followed. Two trees are equal when they have the same paths, and each
// path has the same type, permission bits (with setuid, setgid and sticky), owner, size, link
// target, set of hard-link partners, and, for regular files, the same bytes.

import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One directory tree as `lstat` sees it.
struct FileTree: Sendable {
  /// The type of an entry, with what only that type has.
  enum Kind: Sendable, Equatable, CustomStringConvertible {
    case directory
    case regular
    case symlink(target: [UInt8])
    case other(type: UInt32)

    var description: String {
      switch self {
      case .directory: "directory"
      case .regular: "regular file"
      case .symlink(let target): "symlink to \"\(String(decoding: target, as: UTF8.self))\""
      case .other(let type): "special file (type \(String(type, radix: 8)))"
      }
    }
  }

  /// What `lstat` says about one path.
  struct Entry: Sendable, Equatable {
    /// The entry's type.
    let kind: Kind
    /// The permission bits with setuid, setgid and sticky (`st_mode & 0o7777`).
    let permissions: UInt32
    /// The owner.
    let uid: UInt32
    /// The group.
    let gid: UInt32
    /// The size in bytes (regular files and links only; 0 for directories).
    let size: Int
    /// The inode number, for finding hard links inside the tree.
    let inode: UInt64
  }

  /// The folder the snapshot was taken of.
  let root: String
  /// Every entry below the root (not the root itself), by raw relative path.
  let entries: [[UInt8]: Entry]

  /// Takes a snapshot.
  ///
  /// - Parameter root: The folder to walk.
  /// - Throws: `ScratchError` when a directory cannot be read or an entry cannot be examined.
  init(_ root: String) throws {
    self.root = root
    var entries: [[UInt8]: Entry] = [:]
    try Self.walk(Array(root.utf8), relative: [], into: &entries)
    self.entries = entries
  }

  /// The relative paths, as text, sorted by their bytes.
  var paths: [String] {
    self.entries.keys.sorted { $0.lexicographicallyPrecedes($1) }.map(Self.text)
  }

  /// The entry at a relative path given as text.
  subscript(_ path: String) -> Entry? {
    self.entries[Array(path.utf8)]
  }

  /// The other paths of this tree that are hard links to the same file as `path`.
  func hardLinkPartners(of path: [UInt8]) -> [String] {
    guard let entry = self.entries[path], entry.kind == .regular else { return [] }
    return self.entries.filter {
      $0.key != path && $0.value.kind == .regular && $0.value.inode == entry.inode
    }
    .keys.sorted { $0.lexicographicallyPrecedes($1) }.map(Self.text)
  }

  /// Everything that differs between two trees, one sentence per difference; empty when they are
  /// equal (see the file's summary for what "equal" means).
  ///
  /// - Parameters:
  ///   - left: One tree.
  ///   - right: The other tree.
  ///   - names: What to call the two trees in the sentences.
  /// - Returns: The differences, in path order.
  static func differences(
    _ left: FileTree, _ right: FileTree, names: (String, String) = ("left", "right")
  ) -> [String] {
    var found: [String] = []
    let all = Set(left.entries.keys).union(right.entries.keys)
      .sorted { $0.lexicographicallyPrecedes($1) }
    for path in all {
      let name = Self.text(path)
      guard let a = left.entries[path] else {
        found.append("\(name): only in \(names.1) (\(right.entries[path]!.kind))")
        continue
      }
      guard let b = right.entries[path] else {
        found.append("\(name): only in \(names.0) (\(a.kind))")
        continue
      }
      if a.kind != b.kind {
        found.append("\(name): \(a.kind) in \(names.0), \(b.kind) in \(names.1)")
        continue
      }
      if a.permissions != b.permissions {
        found.append(
          "\(name): mode \(String(a.permissions, radix: 8)) in \(names.0), "
            + "\(String(b.permissions, radix: 8)) in \(names.1)")
      }
      if a.uid != b.uid || a.gid != b.gid {
        found.append(
          "\(name): owner \(a.uid):\(a.gid) in \(names.0), \(b.uid):\(b.gid) in \(names.1)")
      }
      if a.kind == .regular {
        if a.size != b.size {
          found.append("\(name): \(a.size) bytes in \(names.0), \(b.size) in \(names.1)")
        } else if let mismatch = Self.firstMismatch(at: path, left: left, right: right) {
          found.append("\(name): contents differ at byte \(mismatch)")
        }
        let partnersA = left.hardLinkPartners(of: path)
        let partnersB = right.hardLinkPartners(of: path)
        if partnersA != partnersB {
          found.append(
            "\(name): hard links \(partnersA) in \(names.0), \(partnersB) in \(names.1)")
        }
      }
    }
    return found
  }

  /// The regular files of a tree whose bytes contain `needle`.
  ///
  /// - Parameters:
  ///   - needle: The bytes to look for.
  ///   - root: The folder to search.
  /// - Returns: The relative paths of the files that contain it.
  /// - Throws: `ScratchError` when the tree cannot be walked.
  static func files(containing needle: Data, under root: String) throws -> [String] {
    let tree = try FileTree(root)
    return tree.paths.filter { path in
      guard tree[path]?.kind == .regular,
        let data = Self.contents(of: Array((root + "/").utf8) + Array(path.utf8))
      else { return false }
      return data.range(of: needle) != nil
    }
  }

  // MARK: - Walking

  private static func walk(
    _ root: [UInt8], relative: [UInt8], into entries: inout [[UInt8]: Entry]
  ) throws {
    let directory = relative.isEmpty ? root : root + [UInt8(ascii: "/")] + relative
    guard let stream = Self.withCPath(directory, { opendir($0) }) else {
      throw ScratchError(message: "cannot read directory \(Self.text(directory)): \(Self.reason)")
    }
    defer { closedir(stream) }
    var names: [[UInt8]] = []
    while let item = readdir(stream) {
      let name = withUnsafeBytes(of: item.pointee.d_name) { raw in
        Array(raw.prefix { $0 != 0 })
      }
      if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] {
        continue
      }
      names.append(name)
    }
    for name in names {
      let path = relative.isEmpty ? name : relative + [UInt8(ascii: "/")] + name
      let full = root + [UInt8(ascii: "/")] + path
      var info = stat()
      guard Self.withCPath(full, { lstat($0, &info) }) == 0 else {
        throw ScratchError(message: "cannot lstat \(Self.text(full)): \(Self.reason)")
      }
      let type = UInt32(info.st_mode) & UInt32(S_IFMT)
      let kind: Kind
      switch type {
      case UInt32(S_IFDIR): kind = .directory
      case UInt32(S_IFREG): kind = .regular
      case UInt32(S_IFLNK): kind = .symlink(target: try Self.linkTarget(full))
      default: kind = .other(type: type)
      }
      entries[path] = Entry(
        kind: kind,
        permissions: UInt32(info.st_mode) & 0o7777,
        uid: UInt32(info.st_uid),
        gid: UInt32(info.st_gid),
        size: kind == .directory ? 0 : Int(info.st_size),
        inode: UInt64(info.st_ino))
      if kind == .directory {
        try Self.walk(root, relative: path, into: &entries)
      }
    }
  }

  private static func linkTarget(_ path: [UInt8]) throws -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: 4097)
    let count = Self.withCPath(path) { cPath in
      buffer.withUnsafeMutableBufferPointer { target in
        target.baseAddress!.withMemoryRebound(to: CChar.self, capacity: target.count) {
          readlink(cPath, $0, target.count - 1)
        }
      }
    }
    guard count >= 0 else {
      throw ScratchError(message: "cannot readlink \(Self.text(path)): \(Self.reason)")
    }
    return Array(buffer[..<count])
  }

  /// The offset of the first byte where two files differ, or nil when they are the same.
  private static func firstMismatch(at path: [UInt8], left: FileTree, right: FileTree) -> Int? {
    let slash = [UInt8(ascii: "/")]
    let a = Self.withCPath(Array(left.root.utf8) + slash + path) { open($0, O_RDONLY) }
    let b = Self.withCPath(Array(right.root.utf8) + slash + path) { open($0, O_RDONLY) }
    defer {
      if a >= 0 { close(a) }
      if b >= 0 { close(b) }
    }
    guard a >= 0, b >= 0 else { return 0 }
    let chunk = 1 << 20
    var bufferA = [UInt8](repeating: 0, count: chunk)
    var bufferB = [UInt8](repeating: 0, count: chunk)
    var offset = 0
    while true {
      let countA = Self.readFully(a, &bufferA)
      let countB = Self.readFully(b, &bufferB)
      if countA != countB || bufferA[..<countA] != bufferB[..<countB] {
        let common = zip(bufferA[..<countA], bufferB[..<countB]).prefix { $0 == $1 }.count
        return offset + common
      }
      if countA == 0 { return nil }
      offset += countA
    }
  }

  private static func readFully(_ fd: Int32, _ buffer: inout [UInt8]) -> Int {
    var total = 0
    while total < buffer.count {
      let count = buffer.withUnsafeMutableBytes { raw in
        read(fd, raw.baseAddress! + total, raw.count - total)
      }
      guard count > 0 else { break }
      total += count
    }
    return total
  }

  private static func contents(of path: [UInt8]) -> Data? {
    let fd = Self.withCPath(path) { open($0, O_RDONLY) }
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let count = Self.readFully(fd, &buffer)
      data.append(contentsOf: buffer[..<count])
      if count < buffer.count { return data }
    }
  }

  private static func withCPath<T>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
    (path + [0]).withUnsafeBufferPointer { bytes in
      bytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count, body)
    }
  }

  private static var reason: String { String(cString: strerror(errno)) }

  static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
