// Cross-checks with the system's GNU tar: it reads what we write, and we read what it writes.
import Foundation
import Glibc
import Testing

@testable import BuildContext

@Suite("Tar interoperability with system tar")
struct TarInteropTests {
  static let longName = String(repeating: "deep-directory/", count: 8) + "file-with-a-long-name.txt"

  /// A tree with a long path, non-ASCII names, a symlink and a hardlink.
  static func makeTree(_ root: TemporaryDirectory) throws {
    try root.file("src/" + Self.longName, "long")
    try root.file("src/ünïcödé.txt", "unicode", mode: 0o600)
    try root.file("src/exec.sh", "#!/bin/sh\n", mode: 0o755)
    try root.symlink("src/link", to: "exec.sh")
    #expect(link(root.url("src/exec.sh"), root.url("src/hard")) == 0)
    try root.setModificationTime("src/exec.sh", nanoseconds: 1_700_000_000_123_456_789)
  }

  @Test("GNU tar lists and extracts archives written by TarWriter")
  func systemTarReadsOurs() throws {
    try TemporaryDirectory.with { root in
      try Self.makeTree(root)
      var archive: [UInt8] = []
      var writer = TarWriter { archive += $0 }
      let walker = try ContextWalker(root: root.url("src"))
      try walker.forEachEntry { entry in
        let header = TarHeader(entry: entry)
        if header.kind == .regularFile {
          try writer.writeEntry(
            header,
            content: Array(
              try Data(contentsOf: URL(fileURLWithPath: root.url("src/" + entry.path)))
            )
          )
        } else {
          try writer.writeEntry(header)
        }
      }
      try writer.finish()
      try Data(archive).write(to: URL(fileURLWithPath: root.url("ours.tar")))

      let listing = try Shell.run("tar", ["--full-time", "-tvf", root.url("ours.tar")])
      #expect(listing.contains(Self.longName))
      #expect(listing.contains("ünïcödé.txt"))
      #expect(listing.contains("link -> exec.sh"))
      #expect(listing.contains("hard link to exec.sh"))
      #expect(listing.contains("-rwxr-xr-x"))

      try root.directory("out")
      try Shell.run("tar", ["-xf", root.url("ours.tar"), "-C", root.url("out")])
      #expect(try root.read("out/" + Self.longName) == "long")
      #expect(try root.read("out/ünïcödé.txt") == "unicode")
      #expect(try root.status("out/exec.sh").st_mtim.tv_nsec == 123_456_789)
      #expect(try root.status("out/hard").st_ino == root.status("out/exec.sh").st_ino)
    }
  }

  @Test("TarReader reads archives written by GNU tar", arguments: ["gnu", "pax", "ustar"])
  func oursReadsSystemTar(_ format: String) throws {
    try TemporaryDirectory.with { root in
      try Self.makeTree(root)
      if format == "ustar" {
        // ustar cannot hold the long name; keep the rest.
        try FileManager.default.removeItem(atPath: root.url("src/deep-directory"))
      }
      try Shell.run(
        "tar",
        ["--format=\(format)", "-cf", root.url("theirs.tar"), "-C", root.path, "src"]
      )
      let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: root.url("theirs.tar"))))
      let entries = try TarReader.entries(of: bytes)
      let byPath = Dictionary(
        entries.map { ($0.header.path, $0) },
        uniquingKeysWith: { first, _ in first }
      )

      #expect(byPath["src/ünïcödé.txt"]?.content == Array("unicode".utf8))
      #expect(byPath["src/ünïcödé.txt"]?.header.mode == 0o600)
      #expect(byPath["src/link"]?.header.kind == .symlink)
      #expect(byPath["src/link"]?.header.linkName == "exec.sh")
      #expect(byPath["src/"]?.header.kind == .directory)
      let hardlinks = entries.filter { $0.header.kind == .hardlink }
      #expect(hardlinks.count == 1)
      if format != "ustar" {
        #expect(byPath["src/" + Self.longName]?.content == Array("long".utf8))
      }
      let exec = try #require(
        byPath["src/exec.sh"] ?? hardlinks.first.flatMap { byPath[$0.header.linkName] }
      )
      let expectedTime: Int64 =
        format == "pax" ? 1_700_000_000_123_456_789 : 1_700_000_000_000_000_000
      #expect(exec.header.modificationTime == expectedTime)
    }
  }
}
