/// Thin wrappers over the Glibc calls the walker and the extractor use.
///
/// Each wrapper names the C function it calls, retries on `EINTR`, and reports failure as a
/// ``SystemCallError`` carrying the raw `errno`, so callers can tell "does not exist" from real
/// failures. Names are passed as UTF-8 bytes relative to an open directory descriptor (the `*at`
/// calls), which keeps file names that are not valid UTF-8 intact and avoids re-resolving long
/// paths for every entry.
///
/// Directory listings run on a duplicate of the directory's descriptor: `fdopendir` takes
/// ownership of the duplicate and `closedir` releases it, while the walker keeps the original open
/// for `fstatat` and `openat` on the children.
import Glibc

/// The text of `strerror` for an `errno` value.
func systemErrorText(_ code: Int32) -> String {
  String(cString: strerror(code))
}

/// The parts of `struct stat` this module needs.
struct FileStatus {
  /// POSIX `st_mode`: file type and permission bits.
  var mode: UInt32
  var device: UInt64
  var inode: UInt64
  var linkCount: UInt64
  var size: Int64
  /// Modification time in nanoseconds since the Unix epoch.
  var modificationTime: Int64
  /// `st_rdev`, for device files.
  var rawDevice: UInt64

  init(_ raw: stat) {
    self.mode = raw.st_mode
    self.device = UInt64(raw.st_dev)
    self.inode = UInt64(raw.st_ino)
    self.linkCount = UInt64(raw.st_nlink)
    self.size = Int64(raw.st_size)
    self.modificationTime = Int64(raw.st_mtim.tv_sec) * 1_000_000_000 + Int64(raw.st_mtim.tv_nsec)
    self.rawDevice = UInt64(raw.st_rdev)
  }

  var fileType: UInt32 { self.mode & UInt32(S_IFMT) }
  var isDirectory: Bool { self.fileType == UInt32(S_IFDIR) }
  var isSymlink: Bool { self.fileType == UInt32(S_IFLNK) }
  var isRegular: Bool { self.fileType == UInt32(S_IFREG) }
}

enum System {
  /// Runs `body` with `name` as a NUL-terminated C string.
  static func withCString<Result>(
    _ name: [UInt8],
    _ body: (UnsafePointer<CChar>) -> Result
  ) -> Result {
    var terminated = name
    terminated.append(0)
    return terminated.withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
    }
  }

  /// Calls `body` until it fails with something other than `EINTR`.
  static func retrying(_ body: () -> Int32) -> Int32 {
    while true {
      let result = body()
      if result == -1, errno == EINTR { continue }
      return result
    }
  }

  /// `fstatat(directory, name, AT_SYMLINK_NOFOLLOW)`: the entry itself, never a link target.
  static func status(
    of name: [UInt8],
    in directory: Int32
  ) -> Result<FileStatus, SystemCallError> {
    var raw = stat()
    let result = self.withCString(name) { cName in
      self.retrying { fstatat(directory, cName, &raw, AT_SYMLINK_NOFOLLOW) }
    }
    guard result == 0 else { return .failure(SystemCallError(function: "fstatat", errno: errno)) }
    return .success(FileStatus(raw))
  }

  /// `fstat(descriptor)`.
  static func status(ofDescriptor descriptor: Int32) -> Result<FileStatus, SystemCallError> {
    var raw = stat()
    guard self.retrying({ fstat(descriptor, &raw) }) == 0 else {
      return .failure(SystemCallError(function: "fstat", errno: errno))
    }
    return .success(FileStatus(raw))
  }

  /// `lstat(path)` (or `stat` when `followingLinks`).
  static func status(
    atPath path: String,
    followingLinks: Bool = false
  ) -> Result<FileStatus, SystemCallError> {
    var raw = stat()
    let result = self.retrying { followingLinks ? stat(path, &raw) : lstat(path, &raw) }
    guard result == 0 else {
      return .failure(SystemCallError(function: followingLinks ? "stat" : "lstat", errno: errno))
    }
    return .success(FileStatus(raw))
  }

  /// `readlinkat(directory, name)`: the raw link text.
  static func readLink(
    _ name: [UInt8],
    in directory: Int32
  ) -> Result<[UInt8], SystemCallError> {
    var capacity = 256
    while true {
      var buffer = [UInt8](repeating: 0, count: capacity)
      let count = self.withCString(name) { cName in
        buffer.withUnsafeMutableBufferPointer { out in
          out.withMemoryRebound(to: CChar.self) {
            readlinkat(directory, cName, $0.baseAddress!, capacity)
          }
        }
      }
      guard count >= 0 else {
        return .failure(SystemCallError(function: "readlinkat", errno: errno))
      }
      // A full buffer may mean truncation; try again with more room.
      if count < capacity { return .success(Array(buffer[..<count])) }
      capacity *= 4
    }
  }

  /// `openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)`.
  static func openDirectory(
    _ name: [UInt8],
    in directory: Int32
  ) -> Result<Int32, SystemCallError> {
    let descriptor = self.withCString(name) { cName in
      self.retrying { openat(directory, cName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
    }
    guard descriptor >= 0 else {
      return .failure(SystemCallError(function: "openat", errno: errno))
    }
    return .success(descriptor)
  }

  /// `open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)`.
  static func openDirectory(atPath path: String) -> Result<Int32, SystemCallError> {
    let descriptor = self.retrying { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
    guard descriptor >= 0 else { return .failure(SystemCallError(function: "open", errno: errno)) }
    return .success(descriptor)
  }

  /// `realpath(path)`: the absolute path with every symlink resolved.
  static func resolvedPath(_ path: String) -> Result<String, SystemCallError> {
    guard let resolved = realpath(path, nil) else {
      return .failure(SystemCallError(function: "realpath", errno: errno))
    }
    defer { free(resolved) }
    return .success(String(cString: resolved))
  }
}

/// One name in a directory and the type `readdir` reported for it (`DT_*`).
struct DirectoryChild {
  var name: [UInt8]
  var type: UInt8
}

enum DirectoryReader {
  /// Lists `descriptor`'s entries except `.` and `..`, in the order the file system returns them.
  static func children(of descriptor: Int32) -> Result<[DirectoryChild], SystemCallError> {
    let duplicate = dup(descriptor)
    guard duplicate >= 0 else { return .failure(SystemCallError(function: "dup", errno: errno)) }
    guard let stream = fdopendir(duplicate) else {
      let failure = SystemCallError(function: "fdopendir", errno: errno)
      close(duplicate)
      return .failure(failure)
    }
    defer { closedir(stream) }
    // The duplicate shares the file offset, which a previous listing may have moved.
    rewinddir(stream)

    var children: [DirectoryChild] = []
    while true {
      errno = 0
      guard let entry = readdir(stream) else {
        if errno != 0 { return .failure(SystemCallError(function: "readdir", errno: errno)) }
        break
      }
      let name: [UInt8] = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        Array(raw[..<(raw.firstIndex(of: 0) ?? raw.count)])
      }
      if name == [0x2E] || name == [0x2E, 0x2E] { continue }
      children.append(DirectoryChild(name: name, type: entry.pointee.d_type))
    }
    return .success(children)
  }
}
