// fsutil's file transfer messages (`fsutil.types`), as exchanged on FileSync/DiffCopy and on
// FileSend/DiffCopy for `local` exports.
//
// The sender lists every entry as a STAT packet; an entry's id is its 0-based position in that
// list, and an empty STAT packet ends the list. The receiver asks for the contents of regular files
// with REQ packets carrying the id; the sender answers with DATA packets and ends each file with an
// empty DATA packet. FIN ends the exchange, ERR aborts it with a message in `data`.
//
// `Stat.mode` holds Go `os.FileMode` bits, not a POSIX `st_mode`: directory is bit 31, symlink
// bit 27, the permission bits are the low nine. Times are nanoseconds since the Unix epoch.
//
// Packets carry file data at high rates, so their encoding lends `data` to the C encoder instead of
// copying it first: encoding copies the data once, into the output.

import CBuildKitProtos
import CProtobufC

extension FSUtil {
  /// The metadata of one file system entry (`fsutil.types.Stat`).
  public struct Stat: WireMessage, Hashable {
    /// The relative, slash-separated path.
    public var path: String
    /// Go `os.FileMode` bits, e.g. 0x800001ED for a 0755 directory.
    public var mode: UInt32
    /// The owner's user id.
    public var uid: UInt32
    /// The owner's group id.
    public var gid: UInt32
    /// The size of a file, or the target length of a symlink; 0 for directories and hard links.
    public var size: Int64
    /// The modification time in nanoseconds since the Unix epoch.
    public var modTime: Int64
    /// The target of a symlink or a hard link.
    public var linkname: String
    /// The major number of a device.
    public var devmajor: Int64
    /// The minor number of a device.
    public var devminor: Int64
    /// Extended attributes.
    public var xattrs: [String: [UInt8]]

    /// Creates a stat; each parameter sets the property of the same name.
    public init(
      path: String = "",
      mode: UInt32 = 0,
      uid: UInt32 = 0,
      gid: UInt32 = 0,
      size: Int64 = 0,
      modTime: Int64 = 0,
      linkname: String = "",
      devmajor: Int64 = 0,
      devminor: Int64 = 0,
      xattrs: [String: [UInt8]] = [:]
    ) {
      self.path = path
      self.mode = mode
      self.uid = uid
      self.gid = gid
      self.size = size
      self.modTime = modTime
      self.linkname = linkname
      self.devmajor = devmajor
      self.devminor = devminor
      self.xattrs = xattrs
    }
  }

  /// The kind of a packet (`fsutil.types.Packet.PacketType`).
  public struct PacketType: Hashable, Sendable {
    /// The enum's number on the wire.
    public var rawValue: Int32

    /// Wraps a number from the wire; unknown numbers are kept as they are.
    public init(rawValue: Int32) {
      self.rawValue = rawValue
    }

    /// One entry of the listing; without `stat` it ends the listing.
    public static let stat = PacketType(rawValue: 0)
    /// A request for the contents of the file with id `id`.
    public static let req = PacketType(rawValue: 1)
    /// A chunk of the file with id `id`; an empty chunk ends the file.
    public static let data = PacketType(rawValue: 2)
    /// The end of the exchange.
    public static let fin = PacketType(rawValue: 3)
    /// An error; `data` holds the message.
    public static let err = PacketType(rawValue: 4)
  }

  /// One message of a DiffCopy stream (`fsutil.types.Packet`).
  public struct Packet: WireMessage, Hashable {
    /// The kind of packet.
    public var type: PacketType
    /// The entry of a STAT packet.
    public var stat: Stat?
    /// The file id of a REQ or DATA packet.
    public var id: UInt32
    /// The file data of a DATA packet, or the message of an ERR packet.
    public var data: [UInt8]

    /// Creates a packet; each parameter sets the property of the same name.
    public init(type: PacketType = .stat, stat: Stat? = nil, id: UInt32 = 0, data: [UInt8] = []) {
      self.type = type
      self.stat = stat
      self.id = id
      self.data = data
    }
  }
}

extension FSUtil.PacketType: WireEnum {
  typealias CValue = Fsutil__Types__Packet__PacketType
}

extension FSUtil.Stat: CBackedMessage {
  init(cStruct c: Fsutil__Types__Stat) {
    self.init(path: .init(cValue: c.path), mode: c.mode, uid: c.uid, gid: c.gid, size: c.size)
    self.modTime = c.mod_time
    self.linkname = .init(cValue: c.linkname)
    self.devmajor = c.devmajor
    self.devminor = c.devminor
    self.xattrs = .init(count: c.n_xattrs, cEntries: c.xattrs)
  }

  func fill(_ c: inout Fsutil__Types__Stat, in arena: CArena) {
    c.path = arena.value(self.path)
    (c.mode, c.uid, c.gid) = (self.mode, self.uid, self.gid)
    (c.size, c.mod_time) = (self.size, self.modTime)
    c.linkname = arena.value(self.linkname)
    (c.devmajor, c.devminor) = (self.devmajor, self.devminor)
    (c.n_xattrs, c.xattrs) = arena.map(self.xattrs)
  }
}

extension FSUtil.Packet: CBackedMessage {
  init(cStruct c: Fsutil__Types__Packet) {
    self.init(type: .init(cValue: c.type), stat: .init(cValue: c.stat), id: c.id)
    self.data = .init(cValue: c.data)
  }

  func fill(_ c: inout Fsutil__Types__Packet, in arena: CArena) {
    self.fillHeader(&c, in: arena)
    c.data = arena.value(self.data)
  }

  func withCStruct<R>(_ body: (UnsafePointer<Fsutil__Types__Packet>) -> R) -> R {
    self.data.withUnsafeBufferPointer { data in
      CArena.with { arena in
        let packet = arena.allocate(Fsutil__Types__Packet.self)
        Fsutil__Types__Packet.initialize(packet)
        self.fillHeader(&packet.pointee, in: arena)
        packet.pointee.data = ProtobufCBinaryData(borrowing: data)
        return body(packet)
      }
    }
  }

  /// Sets every field but `data`.
  private func fillHeader(_ c: inout Fsutil__Types__Packet, in arena: CArena) {
    c.type = arena.value(self.type)
    c.stat = arena.value(self.stat)
    c.id = self.id
  }
}
