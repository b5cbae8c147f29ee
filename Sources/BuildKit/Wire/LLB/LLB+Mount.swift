// LLB mounts (`pb.Mount`): the file systems an exec op's process sees.
//
// A mount's `input` indexes the op's inputs (-1 for an empty file system) and its `output` is the
// op output it produces (-1 for none). Secret, SSH, cache and tmpfs mounts carry their options in
// the matching sub-message; `pb.SecretOpt` and `pb.SSHOpt` have the same fields and share one
// Swift type.

import CBuildKitProtos

extension LLB {
  /// A file system mounted into a process (`pb.Mount`).
  public struct Mount: WireMessage, Hashable {
    /// Index into `Op.inputs`; -1 for an empty file system.
    public var input: Int64
    /// The path inside the input to mount.
    public var selector: String
    /// Where to mount it.
    public var dest: String
    /// The op output this mount produces; -1 for none.
    public var output: Int64
    /// Whether the mount is read-only.
    public var readonly: Bool
    /// The kind of mount.
    public var mountType: MountType
    /// Options of a tmpfs mount.
    public var tmpfsOpt: TmpfsOpt?
    /// Options of a cache mount.
    public var cacheOpt: CacheOpt?
    /// Options of a secret mount.
    public var secretOpt: SecretOpt?
    /// Options of an SSH agent mount.
    public var sshOpt: SSHOpt?
    /// A result id to mount instead of an input.
    public var resultID: String
    /// Whether the content may be cached by its checksum.
    public var contentCache: MountContentCache

    /// Creates a mount; each parameter sets the property of the same name.
    public init(
      input: Int64 = 0,
      selector: String = "",
      dest: String = "",
      output: Int64 = 0,
      readonly: Bool = false,
      mountType: MountType = .bind,
      tmpfsOpt: TmpfsOpt? = nil,
      cacheOpt: CacheOpt? = nil,
      secretOpt: SecretOpt? = nil,
      sshOpt: SSHOpt? = nil,
      resultID: String = "",
      contentCache: MountContentCache = .default
    ) {
      self.input = input
      self.selector = selector
      self.dest = dest
      self.output = output
      self.readonly = readonly
      self.mountType = mountType
      self.tmpfsOpt = tmpfsOpt
      self.cacheOpt = cacheOpt
      self.secretOpt = secretOpt
      self.sshOpt = sshOpt
      self.resultID = resultID
      self.contentCache = contentCache
    }
  }

  /// The kind of a mount (`pb.MountType`).
  public struct MountType: Hashable, Sendable {
    /// The enum's number on the wire.
    public var rawValue: Int32

    /// Wraps a number from the wire; unknown numbers are kept as they are.
    public init(rawValue: Int32) {
      self.rawValue = rawValue
    }

    /// A file system from an input.
    public static let bind = MountType(rawValue: 0)
    /// A secret file.
    public static let secret = MountType(rawValue: 1)
    /// An SSH agent socket.
    public static let ssh = MountType(rawValue: 2)
    /// A persistent cache directory.
    public static let cache = MountType(rawValue: 3)
    /// A tmpfs.
    public static let tmpfs = MountType(rawValue: 4)
  }

  /// Whether a mount's content may be cached by checksum (`pb.MountContentCache`).
  public struct MountContentCache: Hashable, Sendable {
    /// The enum's number on the wire.
    public var rawValue: Int32

    /// Wraps a number from the wire; unknown numbers are kept as they are.
    public init(rawValue: Int32) {
      self.rawValue = rawValue
    }

    /// The daemon decides.
    public static let `default` = MountContentCache(rawValue: 0)
    /// Always.
    public static let on = MountContentCache(rawValue: 1)
    /// Never.
    public static let off = MountContentCache(rawValue: 2)
  }

  /// Options of a tmpfs mount (`pb.TmpfsOpt`).
  public struct TmpfsOpt: WireMessage, Hashable {
    /// The size limit in bytes; 0 for none.
    public var size: Int64

    /// Creates options; each parameter sets the property of the same name.
    public init(size: Int64 = 0) {
      self.size = size
    }
  }

  /// Options of a cache mount (`pb.CacheOpt`).
  public struct CacheOpt: WireMessage, Hashable {
    /// The cache's id; mounts with the same id share it.
    public var id: String
    /// How concurrent builds share it.
    public var sharing: CacheSharingOpt

    /// Creates options; each parameter sets the property of the same name.
    public init(id: String = "", sharing: CacheSharingOpt = .shared) {
      self.id = id
      self.sharing = sharing
    }
  }

  /// How concurrent builds share a cache mount (`pb.CacheSharingOpt`).
  public struct CacheSharingOpt: Hashable, Sendable {
    /// The enum's number on the wire.
    public var rawValue: Int32

    /// Wraps a number from the wire; unknown numbers are kept as they are.
    public init(rawValue: Int32) {
      self.rawValue = rawValue
    }

    /// All at once.
    public static let shared = CacheSharingOpt(rawValue: 0)
    /// Each gets its own copy.
    public static let `private` = CacheSharingOpt(rawValue: 1)
    /// One at a time.
    public static let locked = CacheSharingOpt(rawValue: 2)
  }

  /// Options of a secret or SSH agent mount: which secret or agent, and the owner, group and
  /// mode of the file or socket the daemon places in the mount (`pb.SecretOpt`).
  public struct SecretOpt: WireMessage, Hashable {
    /// The secret's id, or the agent's id (empty means `default`).
    public var id: String
    /// The owner of the file or socket.
    public var uid: UInt32
    /// Its group.
    public var gid: UInt32
    /// Its permission bits.
    public var mode: UInt32
    /// Whether a missing secret or agent is fine.
    public var optional: Bool

    /// Creates options; each parameter sets the property of the same name.
    public init(
      id: String = "",
      uid: UInt32 = 0,
      gid: UInt32 = 0,
      mode: UInt32 = 0,
      optional: Bool = false
    ) {
      self.id = id
      self.uid = uid
      self.gid = gid
      self.mode = mode
      self.optional = optional
    }
  }

  /// Options of an SSH agent mount (`pb.SSHOpt`), which has the fields of a secret mount's.
  public typealias SSHOpt = SecretOpt
}

extension LLB.MountType: WireEnum {
  typealias CValue = Pb__MountType
}

extension LLB.MountContentCache: WireEnum {
  typealias CValue = Pb__MountContentCache
}

extension LLB.CacheSharingOpt: WireEnum {
  typealias CValue = Pb__CacheSharingOpt
}

extension LLB.Mount: CBackedMessage {
  init(cStruct c: Pb__Mount) {
    self.init()
    self.input = c.input
    self.selector = .init(cValue: c.selector)
    self.dest = .init(cValue: c.dest)
    self.output = c.output
    self.readonly = .init(cValue: c.readonly)
    self.mountType = .init(cValue: c.mount_type)
    self.tmpfsOpt = .init(cValue: c.tmpfs_opt)
    self.cacheOpt = .init(cValue: c.cache_opt)
    self.secretOpt = .init(cValue: c.secret_opt)
    self.sshOpt = MountFileOpt<Pb__SSHOpt>?(cValue: c.ssh_opt)?.options
    self.resultID = .init(cValue: c.result_id)
    self.contentCache = .init(cValue: c.content_cache)
  }

  func fill(_ c: inout Pb__Mount, in arena: CArena) {
    c.input = self.input
    c.selector = arena.value(self.selector)
    c.dest = arena.value(self.dest)
    c.output = self.output
    c.readonly = arena.value(self.readonly)
    c.mount_type = arena.value(self.mountType)
    c.tmpfs_opt = arena.value(self.tmpfsOpt)
    c.cache_opt = arena.value(self.cacheOpt)
    c.secret_opt = arena.value(self.secretOpt)
    c.ssh_opt = arena.value(self.sshOpt.map(MountFileOpt<Pb__SSHOpt>.init))
    c.result_id = arena.value(self.resultID)
    c.content_cache = arena.value(self.contentCache)
  }
}

extension LLB.TmpfsOpt: CBackedMessage {
  init(cStruct c: Pb__TmpfsOpt) {
    self.init(size: c.size)
  }

  func fill(_ c: inout Pb__TmpfsOpt, in arena: CArena) {
    c.size = self.size
  }
}

extension LLB.CacheOpt: CBackedMessage {
  init(cStruct c: Pb__CacheOpt) {
    self.init(id: .init(cValue: c.id), sharing: .init(cValue: c.sharing))
  }

  func fill(_ c: inout Pb__CacheOpt, in arena: CArena) {
    c.id = arena.value(self.id)
    c.sharing = arena.value(self.sharing)
  }
}

/// `pb.SecretOpt` and `pb.SSHOpt`, which have the same fields.
protocol CMountFileOptStruct: PackableCMessageStruct {
  var id: UnsafeMutablePointer<CChar>! { get set }
  var uid: UInt32 { get set }
  var gid: UInt32 { get set }
  var mode: UInt32 { get set }
  var optional: protobuf_c_boolean { get set }
}

extension Pb__SecretOpt: CMountFileOptStruct {}
extension Pb__SSHOpt: CMountFileOptStruct {}

/// `LLB.SecretOpt` bound to either of the two message structs that share its fields.
struct MountFileOpt<CStruct: CMountFileOptStruct>: CBackedMessage {
  var options: LLB.SecretOpt

  init(_ options: LLB.SecretOpt) {
    self.options = options
  }

  init(cStruct c: CStruct) {
    self.options = LLB.SecretOpt(id: .init(cValue: c.id), uid: c.uid, gid: c.gid, mode: c.mode)
    self.options.optional = .init(cValue: c.optional)
  }

  func fill(_ c: inout CStruct, in arena: CArena) {
    c.id = arena.value(self.options.id)
    c.uid = self.options.uid
    c.gid = self.options.gid
    c.mode = self.options.mode
    c.optional = arena.value(self.options.optional)
  }
}

extension LLB.SecretOpt: CBackedMessage {
  init(cStruct c: Pb__SecretOpt) {
    self = MountFileOpt(cStruct: c).options
  }

  func fill(_ c: inout Pb__SecretOpt, in arena: CArena) {
    MountFileOpt<Pb__SecretOpt>(self).fill(&c, in: arena)
  }
}
