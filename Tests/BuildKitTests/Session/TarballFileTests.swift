import Foundation
import GRPC
import Testing

@testable import BuildKit

@Suite("The file an exported tarball is written into")
struct TarballFileTests {
  /// A scratch folder removed when the test ends.
  final class Scratch {
    let root = NSTemporaryDirectory() + "tarball-file-\(UUID().uuidString)"

    init() throws {
      try FileManager.default.createDirectory(atPath: self.root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: self.root) }
  }

  /// Bytes that differ from one position to the next, so a misplaced piece shows.
  static func pattern(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
  }

  /// The type of the file system holding `path`, as `stat -f` names it.
  static func fileSystemType(of path: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/stat")
    process.arguments = ["-f", "-c", "%T", path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  static let sizes = [
    0, 1, 4095, 4096, TarballFile.bufferSize, TarballFile.bufferSize + 17, 3 << 20 + 4097,
  ]

  @Test(
    "holds exactly the bytes appended, in pieces of any size, direct or not",
    arguments: [true, false], sizes)
  func holdsWhatWasAppended(bypassingCache: Bool, size: Int) throws {
    let scratch = try Scratch()
    let path = scratch.root + "/out.tar"
    let contents = Self.pattern(size)
    let file = try TarballFile(creatingAt: path, bypassingCache: bypassingCache)
    var offset = 0
    var piece = 1
    while offset < contents.count {
      let end = min(offset + piece, contents.count)
      try file.append(contents[offset..<end])
      offset = end
      piece = piece * 7 % 65_521 + 1
    }
    try file.finish()
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(contents))
  }

  @Test("replaces what a file held before")
  func truncatesAnEarlierFile() throws {
    let scratch = try Scratch()
    let path = scratch.root + "/out.tar"
    try Data(repeating: 0xEE, count: 3 * TarballFile.bufferSize).write(
      to: URL(fileURLWithPath: path))
    let file = try TarballFile(creatingAt: path)
    try file.append([1, 2, 3])
    try file.finish()
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([1, 2, 3]))
  }

  @Test("keeps whole buffers out of the page cache on a disk-backed file system")
  func bypassesThePageCache() throws {
    let scratch = try Scratch()
    // tmpfs keeps every file in memory; there is no cache to bypass.
    try #require(
      try Self.fileSystemType(of: scratch.root) != "tmpfs", "the scratch folder is on tmpfs")

    let path = scratch.root + "/out.tar"
    let file = try TarballFile(creatingAt: path)
    try file.append(Self.pattern(2 * TarballFile.bufferSize)[...])
    #expect(file.isDirect)
    try file.finish()

    let descriptor = open(path, O_RDONLY)
    try #require(descriptor >= 0)
    defer { close(descriptor) }
    let length = 2 * TarballFile.bufferSize
    let mapping = mmap(nil, length, PROT_READ, MAP_SHARED, descriptor, 0)
    try #require(mapping != MAP_FAILED)
    defer { munmap(mapping, length) }
    let pages = length / Int(sysconf(Int32(_SC_PAGESIZE)))
    var residency = [UInt8](repeating: 0, count: pages)
    #expect(mincore(mapping, length, &residency) == 0)
    #expect(residency.filter { $0 & 1 != 0 }.count == 0)
  }

  @Test("refuses a symbolic link in its place, naming the path")
  func refusesASymbolicLink() throws {
    let scratch = try Scratch()
    let path = scratch.root + "/out.tar"
    #expect(symlink(scratch.root + "/elsewhere", path) == 0)
    let error = #expect(throws: GRPCError.self) {
      _ = try TarballFile(creatingAt: path)
    }
    #expect(error?.message.contains(path) == true)
    #expect(!FileManager.default.fileExists(atPath: scratch.root + "/elsewhere"))
  }
}
