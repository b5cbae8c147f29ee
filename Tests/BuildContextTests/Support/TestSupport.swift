// Scratch directories, small file-system helpers, and the walk-order rules the tests check.
import Foundation
import Glibc
import Testing

@testable import BuildContext

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory {
  let path: String

  init() throws {
    var template = Array((NSTemporaryDirectory() + "/buildcontext-test-XXXXXX").utf8CString)
    let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    guard let created else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    self.path = String(cString: created)
  }

  /// Runs `body` with a fresh directory and removes it afterwards.
  @discardableResult
  static func with<Result>(_ body: (TemporaryDirectory) throws -> Result) throws -> Result {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    return try body(directory)
  }

  func remove() {
    // Restore permissions first so that read-only test directories can be deleted.
    _ = try? Shell.run("chmod", ["-R", "u+rwx", self.path])
    try? FileManager.default.removeItem(atPath: self.path)
  }

  func url(_ relative: String) -> String {
    relative.isEmpty ? self.path : self.path + "/" + relative
  }

  /// Writes a file, creating parent directories.
  @discardableResult
  func file(_ relative: String, _ contents: String = "", mode: Int = 0o644) throws -> String {
    let full = self.url(relative)
    try FileManager.default.createDirectory(
      atPath: (full as NSString).deletingLastPathComponent,
      withIntermediateDirectories: true
    )
    try Data(contents.utf8).write(to: URL(fileURLWithPath: full))
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full)
    return full
  }

  func directory(_ relative: String, mode: Int = 0o755) throws {
    try FileManager.default.createDirectory(
      atPath: self.url(relative),
      withIntermediateDirectories: true
    )
    try FileManager.default.setAttributes(
      [.posixPermissions: mode],
      ofItemAtPath: self.url(relative)
    )
  }

  func symlink(_ relative: String, to target: String) throws {
    try FileManager.default.createSymbolicLink(
      atPath: self.url(relative),
      withDestinationPath: target
    )
  }

  func read(_ relative: String) throws -> String {
    String(decoding: try Data(contentsOf: URL(fileURLWithPath: self.url(relative))), as: UTF8.self)
  }

  func exists(_ relative: String) -> Bool {
    var status = stat()
    return lstat(self.url(relative), &status) == 0
  }

  func status(_ relative: String) throws -> stat {
    var status = stat()
    guard lstat(self.url(relative), &status) == 0 else {
      throw POSIXError(.init(rawValue: errno) ?? .EIO)
    }
    return status
  }

  /// Sets a path's modification time (nanoseconds since the epoch) without following links.
  func setModificationTime(_ relative: String, nanoseconds: Int64) throws {
    var times = [
      timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000)),
      timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000)),
    ]
    guard utimensat(AT_FDCWD, self.url(relative), &times, AT_SYMLINK_NOFOLLOW) == 0 else {
      throw POSIXError(.init(rawValue: errno) ?? .EIO)
    }
  }
}

/// Runs programs and captures their output.
enum Shell {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// Runs `program` (looked up on `PATH`) and returns its combined output.
  @discardableResult
  static func run(
    _ program: String,
    _ arguments: [String],
    in directory: String? = nil
  ) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else {
      throw Failure(description: "\(program) \(arguments) failed: \(text)")
    }
    return text
  }
}

/// The daemon's ordering rules for a STAT stream, used to check every walk the tests make.
enum WalkOrderValidator {
  /// Returns a description of the first rule `entries` breaks, or nil when the order is valid.
  static func violation(in entries: [ContextEntry]) -> String? {
    var directories: Set<String> = [""]
    var lastChild: [String: [UInt8]] = [:]
    for entry in entries {
      let bytes = Array(entry.path.utf8)
      guard !bytes.isEmpty, bytes.first != UInt8(ascii: "/"),
        GoPath.clean(entry.path) == entry.path,
        !entry.path.split(separator: "/").contains("..")
      else { return "\(entry.path) is not a clean relative path" }

      let parent = GoPath.dir(entry.path) == "." ? "" : GoPath.dir(entry.path)
      guard directories.contains(parent) else { return "\(entry.path) comes before its parent" }
      let name = Array(GoPath.base(entry.path).utf8)
      if let previous = lastChild[parent], !previous.lexicographicallyPrecedes(name) {
        return "\(entry.path) is not after its previous sibling in byte order"
      }
      lastChild[parent] = name
      // Leaving a directory: its deeper siblings' state no longer matters.
      if entry.isDirectory { directories.insert(entry.path) }
    }
    return nil
  }
}
