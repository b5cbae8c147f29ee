// Small tools the build tests share: a private folder per test under the system's temporary
// folder, filled with files, links and modes through POSIX calls (names stay the exact bytes the
// test wrote, with no Unicode normalization on the way), and names that are unique to one test
// run, so suites may run in parallel with each other and with other runs on the same test bed.

import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Names that no other test, and no other test run, uses.
enum UniqueName {
  /// A short id for this test process, shared by all its tests.
  static let run = String(UUID().uuidString.lowercased().prefix(8))

  /// A fresh lowercase token, such as `3f9c0a1b2d4e`.
  static func token() -> String {
    String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))
  }

  /// A repository in the plain test registry that belongs to this test run.
  ///
  /// - Parameters:
  ///   - registry: The registry's `HOST:PORT`.
  ///   - label: What the repository holds, such as `labels`.
  /// - Returns: `HOST:PORT/btest-RUN/LABEL-TOKEN`, all lowercase.
  static func repository(in registry: String, _ label: String) -> String {
    "\(registry)/btest-\(Self.run)/\(label)-\(Self.token())"
  }
}

/// A folder of its own for one test, removed by `remove()`.
struct ScratchFolder: Sendable {
  /// The folder's absolute path.
  let path: String

  /// Creates an empty folder under the system's temporary folder.
  ///
  /// - Parameter label: A word that shows up in the folder's name, for debugging.
  /// - Throws: `ScratchError` when the folder cannot be created.
  init(_ label: String) throws {
    let base = FileManager.default.temporaryDirectory.path
    self.path = "\(base)/btest-\(label)-\(UniqueName.token())"
    try Self.check(mkdir(self.path, 0o755), "mkdir", self.path)
  }

  /// The absolute path of something inside the folder.
  ///
  /// - Parameter relative: A `/`-separated path inside the folder.
  /// - Returns: The absolute path.
  func url(_ relative: String) -> String {
    relative.isEmpty ? self.path : self.path + "/" + relative
  }

  /// Deletes the folder and everything in it; failures are ignored.
  func remove() {
    try? FileManager.default.removeItem(atPath: self.path)
  }

  /// Creates a directory and its missing parents, and sets its mode when given.
  ///
  /// - Parameters:
  ///   - relative: The directory's path inside the folder.
  ///   - mode: The permission bits (including setgid and sticky), or nil for the default.
  /// - Throws: `ScratchError` when a call fails.
  func directory(_ relative: String, mode: mode_t? = nil) throws {
    var current = self.path
    for part in relative.split(separator: "/") {
      current += "/" + part
      if mkdir(current, 0o755) != 0 && errno != EEXIST {
        try Self.check(-1, "mkdir", current)
      }
    }
    if let mode {
      try Self.check(chmod(current, mode), "chmod", current)
    }
  }

  /// Writes a regular file (creating its parent directories) and sets its mode.
  ///
  /// - Parameters:
  ///   - relative: The file's path inside the folder.
  ///   - contents: The bytes to write.
  ///   - mode: The permission bits, applied with `chmod` so the umask does not matter.
  /// - Throws: `ScratchError` when a call fails.
  func file(_ relative: String, _ contents: Data, mode: mode_t = 0o644) throws {
    try self.parents(of: relative)
    let path = self.url(relative)
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    try Self.check(fd, "open", path)
    defer { close(fd) }
    try contents.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
        try Self.check(written < 0 ? -1 : 0, "write", path)
        offset += written
      }
    }
    try Self.check(fchmod(fd, mode), "chmod", path)
  }

  /// Writes a text file; see `file(_:_:mode:)`.
  func file(_ relative: String, _ text: String, mode: mode_t = 0o644) throws {
    try self.file(relative, Data(text.utf8), mode: mode)
  }

  /// Writes a file of `size` bytes from a repeating pseudo-random block, without holding it all
  /// in memory.
  ///
  /// - Parameters:
  ///   - relative: The file's path inside the folder.
  ///   - size: The file's length in bytes.
  ///   - seed: Picks the block, so different seeds give different contents.
  /// - Throws: `ScratchError` when a call fails.
  func largeFile(_ relative: String, size: Int, seed: UInt64 = 1) throws {
    try self.parents(of: relative)
    let path = self.url(relative)
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    // Not a power of two, so the repeats never line up with the transfer's chunks.
    var block = [UInt8](repeating: 0, count: (1 << 20) + 7)
    for index in block.indices {
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      block[index] = UInt8(truncatingIfNeeded: state)
    }
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    try Self.check(fd, "open", path)
    defer { close(fd) }
    var remaining = size
    while remaining > 0 {
      let count = min(remaining, block.count)
      let written = block.withUnsafeBytes { write(fd, $0.baseAddress, count) }
      try Self.check(written == count ? 0 : -1, "write", path)
      remaining -= count
    }
  }

  /// Creates a symbolic link (and its parent directories).
  ///
  /// - Parameters:
  ///   - relative: The link's path inside the folder.
  ///   - target: The link text, stored as given.
  /// - Throws: `ScratchError` when a call fails.
  func symlink(_ relative: String, to target: String) throws {
    try self.parents(of: relative)
    try Self.check(makeSymbolicLink(target, self.url(relative)), "symlink", self.url(relative))
  }

  /// Creates a hard link to a file already in the folder.
  ///
  /// - Parameters:
  ///   - relative: The new name's path inside the folder.
  ///   - existing: The path of the existing file inside the folder.
  /// - Throws: `ScratchError` when a call fails.
  func hardlink(_ relative: String, to existing: String) throws {
    try self.parents(of: relative)
    try Self.check(link(self.url(existing), self.url(relative)), "link", self.url(relative))
  }

  /// Sets the modification time of an entry (not following a symbolic link).
  ///
  /// - Parameters:
  ///   - relative: The entry's path inside the folder.
  ///   - seconds: Seconds since the epoch.
  ///   - nanoseconds: The sub-second part.
  /// - Throws: `ScratchError` when the call fails.
  func setModificationTime(_ relative: String, seconds: Int, nanoseconds: Int = 0) throws {
    let path = self.url(relative)
    var times = [
      timespec(tv_sec: seconds, tv_nsec: nanoseconds),
      timespec(tv_sec: seconds, tv_nsec: nanoseconds),
    ]
    try Self.check(utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW), "utimensat", path)
  }

  /// Reads a file inside the folder.
  ///
  /// - Parameter relative: The file's path inside the folder.
  /// - Returns: Its bytes, or nil when it cannot be read.
  func contents(_ relative: String) -> Data? {
    FileManager.default.contents(atPath: self.url(relative))
  }

  /// Reads a text file inside the folder.
  ///
  /// - Parameter relative: The file's path inside the folder.
  /// - Returns: Its text, or nil when it cannot be read.
  func text(_ relative: String) -> String? {
    self.contents(relative).map { String(decoding: $0, as: UTF8.self) }
  }

  private func parents(of relative: String) throws {
    let parts = relative.split(separator: "/")
    guard parts.count > 1 else { return }
    try self.directory(parts.dropLast().joined(separator: "/"))
  }

  private static func check(_ result: Int32, _ call: String, _ path: String) throws {
    guard result >= 0 else {
      throw ScratchError(message: "\(call) \(path) failed: \(String(cString: strerror(errno)))")
    }
  }

  private static func check(_ result: Int, _ call: String, _ path: String) throws {
    try self.check(Int32(clamping: result), call, path)
  }
}

/// `symlink(2)`, under a name that the method `ScratchFolder.symlink` does not hide.
private func makeSymbolicLink(_ target: String, _ path: String) -> Int32 {
  symlink(target, path)
}

/// A failure to set up files for a test.
struct ScratchError: Error, CustomStringConvertible {
  /// What failed, with the path and the system's reason.
  let message: String

  /// The message.
  var description: String { self.message }
}
