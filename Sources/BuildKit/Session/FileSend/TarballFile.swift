import Foundation
import GRPC

/// The file an exported tarball is written into, a block-aligned MiB at a time, bypassing the
/// page cache where the file system allows it (`O_DIRECT`).
///
/// An exported archive is written once and read later, if ever, by another program, and it is
/// flushed to disk before it takes its name anyway. Written through the page cache, every page of
/// it must first be found and filled: on the virtual machines we measured that cost about 2 s of
/// system time per GiB, against about 0.3 s written directly from one reused buffer, at the same
/// throughput. Direct writes must start and end on block boundaries, so whole buffers go out
/// directly and only the last, partial one through the page cache. A file system that refuses
/// direct writes gets all of them through the page cache.
final class TarballFile {
  /// The size of each write, a multiple of every block size that direct writes may require.
  static let bufferSize = 1 << 20
  /// The alignment of the buffer's address, which direct writes require too.
  static let alignment = 4096

  /// The file's path, for errors.
  let path: String
  /// Whether writes still bypass the page cache.
  private(set) var isDirect: Bool
  private var descriptor: Int32
  private let buffer: UnsafeMutableRawBufferPointer
  private var filled = 0

  /// Creates or truncates the file at `path`.
  /// - Parameters:
  ///   - path: Where to write; a symbolic link there is refused.
  ///   - bypassingCache: Whether to try direct writes at all.
  /// - Throws: `GRPCError` with PERMISSION_DENIED when the file cannot be created.
  init(creatingAt path: String, bypassingCache: Bool = true) throws(GRPCError) {
    let flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW
    var direct = bypassingCache && Self.directFlag != 0
    var descriptor = direct ? open(path, flags | Self.directFlag, 0o666) : -1
    if descriptor < 0 {
      direct = false
      descriptor = open(path, flags, 0o666)
    }
    guard descriptor >= 0 else {
      throw GRPCError.status(
        .permissionDenied, "cannot create \(path): \(Self.describeErrno())")
    }
    self.path = path
    self.descriptor = descriptor
    self.isDirect = direct
    self.buffer = .allocate(byteCount: Self.bufferSize, alignment: Self.alignment)
  }

  deinit {
    if self.descriptor >= 0 { close(self.descriptor) }
    self.buffer.deallocate()
  }

  /// Adds bytes to the file; they reach it whenever the buffer is full.
  func append(_ bytes: ArraySlice<UInt8>) throws(GRPCError) {
    var rest = bytes
    while !rest.isEmpty {
      let count = min(rest.count, Self.bufferSize - self.filled)
      rest.prefix(count).withUnsafeBytes { source in
        UnsafeMutableRawBufferPointer(rebasing: self.buffer[self.filled..<self.filled + count])
          .copyMemory(from: source)
      }
      self.filled += count
      rest = rest.dropFirst(count)
      if self.filled == Self.bufferSize {
        try self.flush()
      }
    }
  }

  /// Writes what is left, flushes the file to disk and closes it.
  func finish() throws(GRPCError) {
    if self.filled > 0 {
      try self.stopBypassingCache()
      try self.flush()
    }
    guard fsync(self.descriptor) == 0 else {
      throw GRPCError.status(
        .internal, "cannot flush \(self.path) to disk: \(Self.describeErrno())")
    }
    let descriptor = self.descriptor
    self.descriptor = -1
    guard close(descriptor) == 0 else {
      throw GRPCError.status(.internal, "cannot close \(self.path): \(Self.describeErrno())")
    }
  }

  /// Writes the buffer out and empties it. A direct write the file system refuses, or one that
  /// stops short of the buffer's end and so would leave later writes unaligned, sends the rest
  /// through the page cache.
  private func flush() throws(GRPCError) {
    var offset = 0
    while offset < self.filled {
      let written = write(self.descriptor, self.buffer.baseAddress! + offset, self.filled - offset)
      if written < 0 {
        if errno == EINTR { continue }
        if errno == EINVAL, self.isDirect {
          try self.stopBypassingCache()
          continue
        }
        throw GRPCError.status(.internal, "cannot write \(self.path): \(Self.describeErrno())")
      }
      offset += written
      if offset < self.filled, self.isDirect {
        try self.stopBypassingCache()
      }
    }
    self.filled = 0
  }

  private func stopBypassingCache() throws(GRPCError) {
    guard self.isDirect else { return }
    let flags = fcntl(self.descriptor, F_GETFL)
    guard flags >= 0, fcntl(self.descriptor, F_SETFL, flags & ~Self.directFlag) == 0 else {
      throw GRPCError.status(
        .internal, "cannot change how \(self.path) is written: \(Self.describeErrno())")
    }
    self.isDirect = false
  }

  private static func describeErrno() -> String {
    String(cString: strerror(errno))
  }

  /// Linux's `O_DIRECT`, which Swift's Glibc module does not export; its value differs between
  /// architectures. Zero where it is unknown, which means no direct writes.
  #if os(Linux) && (arch(x86_64) || arch(i386))
    static let directFlag: Int32 = 0o40000
  #elseif os(Linux) && arch(arm64)
    static let directFlag: Int32 = 0o200000
  #else
    static let directFlag: Int32 = 0
  #endif
}
