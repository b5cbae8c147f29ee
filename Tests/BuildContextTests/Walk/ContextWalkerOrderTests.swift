// The walk order BuildKit validates, and the fields of each entry.
import Foundation
import Glibc
import Testing

@testable import BuildContext

@Suite("ContextWalker order and entries")
struct ContextWalkerOrderTests {
  @Test("emits a directory before its subtree and sorts siblings by byte, not by full path")
  func depthFirstByteOrder() throws {
    try TemporaryDirectory.with { root in
      try root.file("a/x")
      try root.file("a-b")
      try root.file("a.b")
      try root.file("B")
      try root.file("_u")
      try root.file("a/y/z")
      let paths = try ContextWalker.entries(in: root.path).map(\.path)
      #expect(paths == ["B", "_u", "a", "a/x", "a/y", "a/y/z", "a-b", "a.b"])
    }
  }

  @Test("orders non-ASCII names by their UTF-8 bytes, which Swift's String order does not")
  func unicodeByteOrder() throws {
    try TemporaryDirectory.with { root in
      let decomposed = "e\u{301}x"  // starts with byte 0x65
      let composed = "\u{E9}a"  // starts with bytes 0xC3 0xA9
      for name in [composed, "f", decomposed, "z", "日本"] { try root.file(name) }

      let paths = try ContextWalker.entries(in: root.path).map(\.path)
      #expect(paths == [decomposed, "f", "z", composed, "日本"])
      #expect(paths != paths.sorted())
    }
  }

  @Test("reports files, directories and symlinks with Go modes, sizes and link text")
  func entryFields() throws {
    try TemporaryDirectory.with { root in
      try root.file("dir/file.txt", "hello", mode: 0o640)
      try root.directory("dir", mode: 0o750)
      try root.symlink("link", to: "dir/file.txt")
      try root.file("tool", "#!/bin/sh", mode: 0o4755)

      let entries = try ContextWalker.entries(in: root.path)
      let byPath = Dictionary(uniqueKeysWithValues: entries.map { ($0.path, $0) })
      #expect(byPath["dir"]?.mode == 0x8000_01E8)
      #expect(byPath["dir"]?.size == 0)
      #expect(byPath["dir/file.txt"]?.mode == 0o640)
      #expect(byPath["dir/file.txt"]?.size == 5)
      #expect(byPath["link"]?.mode == 0x0800_01FF)
      #expect(byPath["link"]?.linkName == "dir/file.txt")
      #expect(byPath["link"]?.size == Int64("dir/file.txt".utf8.count))
      #expect(byPath["tool"]?.mode == 0x0080_01ED)
      #expect(entries.allSatisfy { $0.uid == 0 && $0.gid == 0 })
    }
  }

  @Test("never follows symlinks, not even to directories")
  func symlinksNotFollowed() throws {
    try TemporaryDirectory.with { root in
      try root.file("real/inner.txt")
      try root.symlink("alias", to: "real")
      try root.symlink("outside", to: "/etc")
      let paths = try ContextWalker.entries(in: root.path).map(\.path)
      #expect(paths == ["alias", "outside", "real", "real/inner.txt"])
    }
  }

  @Test("reports later names of a hardlinked file as links to the first name")
  func hardlinks() throws {
    try TemporaryDirectory.with { root in
      try root.file("a/original", "data")
      try root.directory("b")
      #expect(link(root.url("a/original"), root.url("b/second")) == 0)
      #expect(link(root.url("a/original"), root.url("c-third")) == 0)

      let entries = try ContextWalker.entries(in: root.path)
      let byPath = Dictionary(uniqueKeysWithValues: entries.map { ($0.path, $0) })
      #expect(byPath["a/original"]?.linkName == "")
      #expect(byPath["a/original"]?.size == 4)
      #expect(byPath["b/second"]?.linkName == "a/original")
      #expect(byPath["b/second"]?.size == 0)
      #expect(byPath["b/second"]?.isRegularFile == true)
      #expect(byPath["c-third"]?.isHardlink == true)
    }
  }

  @Test("reports FIFOs with the pipe bit and skips sockets")
  func specialFiles() throws {
    try TemporaryDirectory.with { root in
      #expect(mkfifo(root.url("pipe"), 0o600) == 0)
      try Self.bindSocket(at: root.url("sock"))
      try root.file("plain")

      let entries = try ContextWalker.entries(in: root.path)
      #expect(entries.map(\.path) == ["pipe", "plain"])
      #expect(entries[0].mode == FileMode.namedPipe | 0o600)
      #expect(entries[0].size == 0)
    }
  }

  @Test("keeps modification times to the nanosecond")
  func nanosecondTimes() throws {
    try TemporaryDirectory.with { root in
      try root.file("file")
      try root.directory("dir")
      try root.symlink("link", to: "file")
      try root.setModificationTime("file", nanoseconds: 1_700_000_000_123_456_789)
      try root.setModificationTime("dir", nanoseconds: 1_600_000_000_000_000_001)
      try root.setModificationTime("link", nanoseconds: 1_500_000_000_999_999_999)

      let times = try ContextWalker.entries(in: root.path).map(\.modificationTime)
      #expect(
        times == [1_600_000_000_000_000_001, 1_700_000_000_123_456_789, 1_500_000_000_999_999_999]
      )
    }
  }

  @Test("reports owners as 0 whatever they are on disk")
  func ownersAreZero() throws {
    try TemporaryDirectory.with { root in
      let path = try root.file("owned")
      _ = chown(path, 1234, 5678)
      let entry = try #require(try ContextWalker.entries(in: root.path).first)
      #expect(entry.uid == 0 && entry.gid == 0)
    }
  }

  @Test("resolves a symlinked root and never emits the root itself")
  func symlinkedRoot() throws {
    try TemporaryDirectory.with { root in
      try root.file("ctx/one")
      try root.symlink("via", to: "ctx")
      let walker = try ContextWalker(root: root.url("via"))
      #expect(walker.root.hasSuffix("/ctx"))
      var paths: [String] = []
      try walker.forEachEntry { paths.append($0.path) }
      #expect(paths == ["one"])
      #expect(try walker.next() == nil)
    }
  }

  @Test("names a missing or non-directory root in its error")
  func badRoots() throws {
    try TemporaryDirectory.with { root in
      try root.file("plain")
      for (path, code) in [("missing", ContextError.Code.notFound), ("plain", .invalidPath)] {
        #expect {
          _ = try ContextWalker(root: root.url(path))
        } throws: { error in
          guard let error = error as? ContextError else { return false }
          return error.code == code && error.message.contains(path)
        }
      }
    }
  }

  @Test("walks ten thousand files in a valid order")
  func largeTree() throws {
    try TemporaryDirectory.with { root in
      for directory in 0..<100 {
        let name = "d\(directory)"
        try root.directory(name)
        for file in 0..<100 {
          let fd = open(root.url("\(name)/f\(file)"), O_CREAT | O_WRONLY, 0o644)
          close(fd)
        }
      }
      let entries = try ContextWalker.entries(in: root.path)
      #expect(entries.count == 100 * 101)
      #expect(WalkOrderValidator.violation(in: entries) == nil)
    }
  }

  static func bindSocket(at path: String) throws {
    let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
      for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
    }
    let result = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    guard result == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
  }
}
