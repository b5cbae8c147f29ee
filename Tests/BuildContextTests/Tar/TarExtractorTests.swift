// Extraction into a destination, and refusal of entries that would escape it.
import Foundation
import Glibc
import Testing

@testable import BuildContext

@Suite("TarExtractor")
struct TarExtractorTests {
  static func archive(_ entries: [(TarHeader, String)]) throws -> [UInt8] {
    var bytes: [UInt8] = []
    var writer = TarWriter { bytes += $0 }
    for (header, content) in entries {
      try writer.writeEntry(header, content: Array(content.utf8))
    }
    try writer.finish()
    return bytes
  }

  @Test("creates files, directories, links and pipes with their modes and times")
  func extraction() throws {
    try TemporaryDirectory.with { root in
      let bytes = try Self.archive([
        (TarHeader(path: "./", kind: .directory, mode: 0o755), ""),
        (
          TarHeader(
            path: "dir/",
            kind: .directory,
            mode: 0o750,
            modificationTime: 1_600_000_000_000_000_007
          ), ""
        ),
        (
          TarHeader(path: "dir/file", mode: 0o4755, modificationTime: 1_700_000_000_123_456_789),
          "content"
        ),
        (
          TarHeader(
            path: "dir/link",
            kind: .symlink,
            modificationTime: 1_500_000_000_000_000_001,
            linkName: "file"
          ), ""
        ),
        (TarHeader(path: "hard", kind: .hardlink, linkName: "dir/file"), ""),
        (TarHeader(path: "pipe", kind: .fifo, mode: 0o600), ""),
        (TarHeader(path: "implicit/parent/file.txt"), "x"),
      ])
      // Feed in awkward chunk sizes, as the daemon's stream would arrive.
      let extractor = try TarExtractor(destination: root.url("out"))
      var offset = 0
      while offset < bytes.count {
        try extractor.consume(Array(bytes[offset..<min(offset + 333, bytes.count)]))
        offset += 333
      }
      try extractor.finish()

      #expect(try root.read("out/dir/file") == "content")
      #expect(try root.status("out/dir/file").st_mode & 0o7777 == 0o4755)
      #expect(try root.status("out/dir/file").st_mtim.tv_nsec == 123_456_789)
      #expect(try root.status("out/dir").st_mode & 0o7777 == 0o750)
      #expect(try root.status("out/dir").st_mtim.tv_sec == 1_600_000_000)
      #expect(try root.status("out/dir").st_mtim.tv_nsec == 7)
      #expect(
        try FileManager.default.destinationOfSymbolicLink(atPath: root.url("out/dir/link"))
          == "file"
      )
      #expect(try root.status("out/dir/link").st_mtim.tv_sec == 1_500_000_000)
      #expect(try root.status("out/hard").st_ino == root.status("out/dir/file").st_ino)
      #expect(try root.status("out/pipe").st_mode & S_IFMT == S_IFIFO)
      #expect(try root.read("out/implicit/parent/file.txt") == "x")
    }
  }

  static let hostile: [(name: String, entries: [(TarHeader, String)])] = [
    ("dot-dot", [(TarHeader(path: "../x"), "escaped")]),
    ("inner dot-dot", [(TarHeader(path: "a/../../x"), "escaped")]),
    ("absolute", [(TarHeader(path: "/etc/x"), "escaped")]),
    (
      "absolute symlink",
      [
        (TarHeader(path: "link", kind: .symlink, linkName: "/outside"), ""),
        (TarHeader(path: "link/file"), "escaped"),
      ]
    ),
    (
      "climbing symlink",
      [
        (TarHeader(path: "up", kind: .symlink, linkName: "../.."), ""),
        (TarHeader(path: "up/x"), "escaped"),
      ]
    ),
    (
      "chained symlinks",
      [
        (TarHeader(path: "a", kind: .symlink, linkName: "b/.."), ""),
        (TarHeader(path: "b", kind: .symlink, linkName: ".."), ""),
        (TarHeader(path: "a/x"), "escaped"),
      ]
    ),
    ("hardlink out", [(TarHeader(path: "h", kind: .hardlink, linkName: "../victim"), "")]),
  ]

  @Test("refuses entries that would leave the destination", arguments: 0..<Self.hostile.count)
  func refusesEscapes(_ index: Int) throws {
    try TemporaryDirectory.with { root in
      try root.directory("outside")
      try root.file("victim", "untouched")
      let (name, entries) = Self.hostile[index]
      let bytes = try Self.archive(entries)
      #expect {
        try TarExtractor.extract(bytes, into: root.url("dest"))
      } throws: { error in
        guard let error = error as? ContextError else { return false }
        return error.code == .unsafePath && error.message.contains(entries.last!.0.path)
      }
      #expect(
        try FileManager.default.contentsOfDirectory(atPath: root.url("outside")).isEmpty,
        "\(name)"
      )
      #expect(!root.exists("x") && !root.exists("outside/file"), "\(name)")
      #expect(try root.read("victim") == "untouched")
    }
  }

  @Test("follows symlinks that stay inside the destination")
  func insideSymlinks() throws {
    try TemporaryDirectory.with { root in
      let bytes = try Self.archive([
        (TarHeader(path: "real/", kind: .directory), ""),
        (TarHeader(path: "alias", kind: .symlink, linkName: "real"), ""),
        (TarHeader(path: "nested/up", kind: .symlink, linkName: "../real"), ""),
        (TarHeader(path: "alias/one"), "1"),
        (TarHeader(path: "nested/up/two"), "2"),
      ])
      try TarExtractor.extract(bytes, into: root.url("out"))
      #expect(try root.read("out/real/one") == "1")
      #expect(try root.read("out/real/two") == "2")
    }
  }

  @Test("replaces an existing symlink instead of writing through it")
  func replacesSymlinks() throws {
    try TemporaryDirectory.with { root in
      try root.file("outside/target", "original")
      try root.directory("out")
      try root.symlink("out/victim", to: root.url("outside/target"))
      let bytes = try Self.archive([(TarHeader(path: "victim"), "new")])
      try TarExtractor.extract(bytes, into: root.url("out"))
      #expect(try root.read("outside/target") == "original")
      #expect(try root.read("out/victim") == "new")
      #expect(try root.status("out/victim").st_mode & S_IFMT == S_IFREG)
    }
  }

  @Test("reports a truncated stream at finish")
  func truncated() throws {
    try TemporaryDirectory.with { root in
      let bytes = try Self.archive([(TarHeader(path: "file"), String(repeating: "x", count: 2000))])
      let extractor = try TarExtractor(destination: root.url("out"))
      try extractor.consume(Array(bytes[..<1200]))
      #expect(throws: ContextError.self) { try extractor.finish() }
    }
  }
}
