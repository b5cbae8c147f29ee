import BuildContext
import Foundation
import GRPC
import Synchronization

/// The sending side of fsutil's DiffCopy protocol, run inside a FileSync/DiffCopy call.
///
/// The exchange, with us as sender and the daemon as receiver:
///
/// 1. We send one STAT packet per entry of the walk, in walk order; each STAT's position in
///    that sequence is its id. An empty STAT ends the listing.
/// 2. The daemon compares the listing with its copy from earlier builds and sends a REQ packet
///    for each regular file it needs; REQs may arrive while the listing is still going out.
/// 3. For each REQ we send the file as DATA packets with that id, ending with an empty DATA
///    packet. Several files are in flight at once; packets of different files interleave.
/// 4. When the daemon has everything it sends FIN; we answer FIN and end the call at once.
///
/// A local failure (a file that vanished, an unreadable directory) is sent as an ERR packet
/// naming the path, and fails the call.
struct FileSyncSender {
  /// The largest DATA payload, well below the daemon's message limits.
  static let chunkSize = 1 << 20
  /// How many files are sent at the same time.
  static let filesInFlight = 4

  let root: String
  let options: WalkOptions
  let call: ServerCall

  func run() async throws {
    let files = FileTable()
    let call = self.call
    let root = self.root
    let options = self.options

    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        try await Self.sendListing(root: root, options: options, files: files, call: call)
      }
      group.addTask {
        try await Self.answerRequests(root: root, files: files, call: call)
      }
      try await group.waitForAll()
    }
  }

  private static func sendListing(
    root: String,
    options: WalkOptions,
    files: FileTable,
    call: ServerCall
  ) async throws {
    do {
      let walker = try ContextWalker(root: root, options: options)
      defer { walker.close() }
      var id: UInt32 = 0
      while let entry = try walker.next() {
        if entry.isRegularFile, !entry.isHardlink {
          let file = (path: entry.path, size: entry.size)
          files.paths.withLock { $0[id] = file }
        }
        try await call.send(FSUtil.Packet(type: .stat, stat: FSUtil.Stat(entry)).encoded())
        id += 1
      }
      try await call.send(FSUtil.Packet(type: .stat).encoded())
    } catch let error as ContextError {
      try? await call.send(FSUtil.Packet(type: .err, data: Array(error.message.utf8)).encoded())
      throw GRPCError.status(.unknown, error.message)
    }
  }

  /// Answers the daemon's requests until its FIN. A file that fits in one DATA packet is sent
  /// at once, in the order requested: sends are queued, so several such files are in flight
  /// while the next is read. Larger files are sent by up to ``filesInFlight`` tasks at a time.
  private static func answerRequests(root: String, files: FileTable, call: ServerCall)
    async throws
  {
    try await withThrowingTaskGroup(of: Void.self) { senders in
      var running = 0
      while let bytes = try await call.receive() {
        let packet = try FSUtil.Packet(decoding: bytes)
        switch packet.type {
        case .req:
          let id = packet.id
          // Each id is requested once; a second request or an id that is not a file is an
          // error.
          guard let file = files.paths.withLock({ $0.removeValue(forKey: id) }) else {
            throw GRPCError.status(.invalidArgument, "the daemon requested unknown file id \(id)")
          }
          if file.size < Self.chunkSize {
            try await Self.sendFile(id: id, file: file, root: root, call: call)
            continue
          }
          if running == Self.filesInFlight {
            try await senders.next()
            running -= 1
          }
          senders.addTask {
            try await Self.sendFile(id: id, file: file, root: root, call: call)
          }
          running += 1
        case .fin:
          // The daemon sends FIN once it holds every file it asked for; answer and end the call.
          try await senders.waitForAll()
          try await call.send(FSUtil.Packet(type: .fin).encoded())
          return
        case .err:
          let reason = String(decoding: packet.data, as: UTF8.self)
          throw GRPCError.status(.unknown, "the daemon failed to receive the files: \(reason)")
        default:
          throw GRPCError.status(
            .invalidArgument, "unexpected packet type \(packet.type.rawValue) from the daemon")
        }
      }
      throw GRPCError.status(.unknown, "the daemon ended the file transfer without finishing it")
    }
  }

  /// Sends one file as DATA packets, then the empty one that ends it.
  /// - Parameter file: Its path and the size the listing gave, which sizes the buffers.
  private static func sendFile(
    id: UInt32, file: (path: String, size: Int64), root: String, call: ServerCall
  ) async throws {
    let path = file.path
    let fullPath = root.hasSuffix("/") ? root + path : root + "/" + path
    let descriptor = open(fullPath, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      let message = "cannot open \(path) in \(root): \(String(cString: strerror(errno)))"
      try? await call.send(FSUtil.Packet(type: .err, data: Array(message.utf8)).encoded())
      throw GRPCError.status(.unknown, message)
    }
    defer { close(descriptor) }

    // Size the buffers by what is left of the file, so a small file does not get a large one;
    // one byte more than expected shows the end with the same read. A file that has grown
    // since it was listed is read on in whole chunks.
    var remaining = Int(clamping: file.size)
    while true {
      let want = min(Self.chunkSize, max(remaining, 0) + 1)
      // Read straight into the message C-core sends: the DATA packet's header goes right
      // before the bytes read, and nothing is copied afterwards.
      var readFailure: Int32 = 0
      do {
        try await call.send(capacity: Self.dataHeaderRoom + want) { buffer in
          var count = -1
          repeat {
            count = Foundation.read(descriptor, buffer.baseAddress! + Self.dataHeaderRoom, want)
          } while count < 0 && errno == EINTR
          remaining -= max(count, 0)
          if remaining < 0 { remaining = Self.chunkSize }
          guard count > 0 else {
            readFailure = count < 0 ? errno : 0
            throw EndOfFile()
          }
          let header = Self.dataPacketHeader(id: id, length: count)
          let start = ProtobufFraming.place(header, before: Self.dataHeaderRoom, in: buffer)
          return start..<(Self.dataHeaderRoom + count)
        }
      } catch is EndOfFile {
        guard readFailure == 0 else {
          let message = "cannot read \(path) in \(root): \(String(cString: strerror(readFailure)))"
          try? await call.send(FSUtil.Packet(type: .err, data: Array(message.utf8)).encoded())
          throw GRPCError.status(.unknown, message)
        }
        break
      }
    }
    try await call.send(FSUtil.Packet(type: .data, id: id).encoded())
  }
}

extension FileSyncSender {
  /// The end of a file, or a failed read, met while filling a DATA packet.
  fileprivate struct EndOfFile: Error {}

  /// Room before a DATA packet's bytes for its header (see ``dataPacketHeader(id:length:)``).
  static let dataHeaderRoom = 16

  /// The protobuf encoding of a DATA packet up to its bytes: `type` (field 1, varint) DATA,
  /// `id` (field 3, varint; left out when 0, as proto3 does), then the key and length of
  /// `data` (field 4, length-delimited). At most 14 bytes.
  static func dataPacketHeader(id: UInt32, length: Int) -> [UInt8] {
    var header: [UInt8] = [0x08, UInt8(FSUtil.PacketType.data.rawValue)]
    if id != 0 {
      header.append(0x18)
      ProtobufFraming.appendVarint(UInt64(id), to: &header)
    }
    return header + ProtobufFraming.lengthDelimitedHeader(field: 4, length: length)
  }
}

/// The paths of the regular files listed so far, by id, until the daemon requests them.
final class FileTable: Sendable {
  let paths = Mutex<[UInt32: (path: String, size: Int64)]>([:])
}

extension FSUtil.Stat {
  /// The STAT of a walked entry.
  init(_ entry: ContextEntry) {
    self.init(
      path: entry.path,
      mode: entry.mode,
      uid: entry.uid,
      gid: entry.gid,
      size: entry.size,
      modTime: entry.modificationTime,
      linkname: entry.linkName,
      devmajor: entry.deviceMajor,
      devminor: entry.deviceMinor
    )
  }
}
