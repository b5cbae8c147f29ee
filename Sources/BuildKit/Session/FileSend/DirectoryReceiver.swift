import BuildContext
import Foundation
import GRPC

/// The receiving side of fsutil's DiffCopy protocol, used for `local` exports.
///
/// The exchange, with the daemon as sender:
///
/// 1. The daemon sends one STAT per entry in walk order; the id of each is its position. We
///    create directories, symlinks and hardlinks as they come and send a REQ for every regular
///    file. An empty STAT ends the listing.
/// 2. DATA packets carry the files' bytes by id, each file ending with an empty DATA packet;
///    then we apply the file's mode and modification time.
/// 3. Once the listing has ended and every requested file is complete, we send FIN; the daemon
///    answers FIN and we end the call.
///
/// Nothing is written outside the destination: an entry whose path is absolute, has a `..`
/// component, or lies under anything but a directory received in this stream is refused with an
/// error naming it. Files already in the destination are replaced only where the export has an
/// entry of the same name.
struct DirectoryReceiver {
  let root: String
  let call: ServerCall

  private struct OpenFile {
    let path: String
    let stat: FSUtil.Stat
    var descriptor: Int32 = -1
  }

  func run() async throws {
    try self.makeRoot()
    var nextID: UInt32 = 0
    var listingDone = false
    var finSent = false
    var directories: Set<String> = [""]
    var files: Set<String> = []
    var pending: [UInt32: OpenFile] = [:]
    var links: [String: [String]] = [:]
    var directoryTimes: [(path: String, stat: FSUtil.Stat)] = []
    defer {
      for file in pending.values where file.descriptor >= 0 { close(file.descriptor) }
    }

    while let bytes = try await self.call.receive() {
      let packet = try FSUtil.Packet(decoding: bytes)
      switch packet.type {
      case .stat:
        guard let stat = packet.stat else {
          listingDone = true
          break
        }
        let id = nextID
        nextID += 1
        try self.validate(stat.path, directories: directories)
        let target = self.root + "/" + stat.path
        if stat.mode & FileMode.directory != 0 {
          try self.makeDirectory(target, entry: stat.path, mode: stat.mode)
          directories.insert(stat.path)
          directoryTimes.append((stat.path, stat))
        } else if stat.mode & FileMode.symlink != 0 {
          try self.replace(target, entry: stat.path) { symlink(stat.linkname, target) }
          self.setTime(target, stat: stat)
        } else if FileMode.isRegularFile(stat.mode), !stat.linkname.isEmpty {
          guard files.contains(stat.linkname) else {
            throw self.refuse(
              stat.path,
              "is a hardlink to \(stat.linkname), which is not an earlier file of the export")
          }
          // The first name of the file may still be waiting for its data; link once it is written.
          if pending.values.contains(where: { $0.path == stat.linkname }) {
            links[stat.linkname, default: []].append(stat.path)
          } else {
            try self.link(stat.path, to: stat.linkname)
          }
          files.insert(stat.path)
        } else if FileMode.isRegularFile(stat.mode) {
          pending[id] = OpenFile(path: stat.path, stat: stat)
          files.insert(stat.path)
          try await self.call.send(FSUtil.Packet(type: .req, id: id).encoded())
        } else if stat.mode & FileMode.namedPipe != 0 {
          try self.replace(target, entry: stat.path) {
            mkfifo(target, FileMode.toPOSIX(stat.mode) & 0o7777)
          }
        } else {
          // Devices and sockets are skipped: an export to a user's directory has no use for them.
        }

      case .data:
        guard var file = pending[packet.id] else {
          throw GRPCError.status(
            .invalidArgument, "the daemon sent data for unknown file id \(packet.id)")
        }
        if file.descriptor < 0 {
          file.descriptor = try self.createFile(file.path)
          pending[packet.id] = file
        }
        if packet.data.isEmpty {
          pending[packet.id] = nil
          try self.complete(file)
          for name in links.removeValue(forKey: file.path) ?? [] {
            try self.link(name, to: file.path)
          }
        } else {
          try self.write(packet.data, to: file)
        }

      case .fin:
        try self.applyDirectoryTimes(directoryTimes)
        return

      case .err:
        let reason = String(decoding: packet.data, as: UTF8.self)
        throw GRPCError.status(.unknown, "the daemon failed to send the export: \(reason)")

      default:
        throw GRPCError.status(
          .invalidArgument, "unexpected packet type \(packet.type.rawValue) in an export")
      }

      if listingDone, pending.isEmpty, !finSent {
        finSent = true
        try await self.call.send(FSUtil.Packet(type: .fin).encoded())
      }
    }
    guard finSent else {
      throw GRPCError.status(
        .unknown, "the daemon ended the export to \(self.root) before it was complete")
    }
    try self.applyDirectoryTimes(directoryTimes)
  }

  // MARK: Checks

  private func refuse(_ entry: String, _ reason: String) -> GRPCError {
    GRPCError.status(.invalidArgument, "refusing export entry \"\(entry)\": it \(reason)")
  }

  /// Accepts only clean relative paths whose parent is a directory received in this stream.
  private func validate(_ path: String, directories: Set<String>) throws(GRPCError) {
    let components = path.split(separator: "/", omittingEmptySubsequences: false)
    guard !path.isEmpty, !path.hasPrefix("/") else {
      throw self.refuse(path, "is not a relative path")
    }
    guard !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
      throw self.refuse(path, "has an empty, . or .. component")
    }
    let parent = components.dropLast().joined(separator: "/")
    guard directories.contains(parent) else {
      throw self.refuse(path, "is not inside a directory of the export (\(parent) is not one)")
    }
  }

  // MARK: File system

  private func failure(_ action: String, _ entry: String) -> GRPCError {
    GRPCError.status(
      .unknown, "cannot \(action) \(entry) in \(self.root): \(String(cString: strerror(errno)))")
  }

  private func makeRoot() throws(GRPCError) {
    do {
      try FileManager.default.createDirectory(atPath: self.root, withIntermediateDirectories: true)
    } catch {
      throw GRPCError.status(.unknown, "cannot create export directory \(self.root): \(error)")
    }
  }

  private func makeDirectory(_ target: String, entry: String, mode: UInt32) throws(GRPCError) {
    var info = stat()
    if lstat(target, &info) == 0 {
      if info.st_mode & S_IFMT == S_IFDIR { return }
      guard unlink(target) == 0 else { throw self.failure("replace", entry) }
    }
    guard mkdir(target, FileMode.toPOSIX(mode) & 0o7777) == 0 else {
      throw self.failure("create directory", entry)
    }
  }

  /// Runs `create`, first removing a non-directory already at `target` if it fails with EEXIST.
  private func replace(_ target: String, entry: String, _ create: () -> Int32) throws(GRPCError) {
    if create() == 0 { return }
    guard errno == EEXIST else { throw self.failure("create", entry) }
    var info = stat()
    if lstat(target, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
      throw self.refuse(entry, "would replace an existing directory")
    }
    guard unlink(target) == 0, create() == 0 else { throw self.failure("create", entry) }
  }

  /// Makes `entry` a hardlink to `source`, both paths inside the destination.
  private func link(_ entry: String, to source: String) throws(GRPCError) {
    let target = self.root + "/" + entry
    let existing = self.root + "/" + source
    try self.replace(target, entry: entry) { Foundation.link(existing, target) }
  }

  private func createFile(_ entry: String) throws(GRPCError) -> Int32 {
    let target = self.root + "/" + entry
    var descriptor: Int32 = -1
    try self.replace(target, entry: entry) {
      descriptor = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
      return descriptor >= 0 ? 0 : -1
    }
    return descriptor
  }

  private func write(_ bytes: [UInt8], to file: OpenFile) throws(GRPCError) {
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { buffer in
        Foundation.write(file.descriptor, buffer.baseAddress! + offset, bytes.count - offset)
      }
      if written < 0 {
        if errno == EINTR { continue }
        throw self.failure("write", file.path)
      }
      offset += written
    }
  }

  private func complete(_ file: OpenFile) throws(GRPCError) {
    if file.descriptor < 0 {
      // An empty file: no data packet came before its end packet.
      let descriptor = try self.createFile(file.path)
      close(descriptor)
    } else {
      close(file.descriptor)
    }
    let target = self.root + "/" + file.path
    guard chmod(target, FileMode.toPOSIX(file.stat.mode) & 0o7777) == 0 else {
      throw self.failure("set the mode of", file.path)
    }
    self.setTime(target, stat: file.stat)
  }

  private func setTime(_ target: String, stat entry: FSUtil.Stat) {
    let time = timespec(
      tv_sec: Int(entry.modTime / 1_000_000_000),
      tv_nsec: Int(entry.modTime % 1_000_000_000)
    )
    var times = [time, time]
    _ = utimensat(AT_FDCWD, target, &times, AT_SYMLINK_NOFOLLOW)
  }

  /// Directory times are applied last and deepest first, since creating entries changes them.
  private func applyDirectoryTimes(_ directories: [(path: String, stat: FSUtil.Stat)])
    throws(GRPCError)
  {
    for (path, stat) in directories.reversed() {
      let target = self.root + "/" + path
      guard chmod(target, FileMode.toPOSIX(stat.mode) & 0o7777) == 0 else {
        throw self.failure("set the mode of", path)
      }
      self.setTime(target, stat: stat)
    }
  }
}
