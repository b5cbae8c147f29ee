/// The metadata of one tar archive entry, independent of how it is encoded.
///
/// A tar archive is a sequence of 512-byte blocks. Each entry starts with a header block
/// (name, mode, ids, size, modification time, type flag, link name, owner names, device
/// numbers), followed by its content padded to a whole block; two zero blocks end the archive.
/// The ustar header has fixed-width fields (a 100-byte name, an 11-digit octal size, whole-second
/// times), so longer or finer values travel in extra entries before the real one: PAX extended
/// headers (type `x`, records such as `path`, `linkpath`, `size`, `mtime`) or, in GNU archives,
/// long-name entries (types `L` and `K`). ``TarReader`` and ``TarWriter`` fold those into this one
/// value.
public struct TarHeader: Sendable, Hashable {
  /// What an entry is, from the header's type flag.
  public enum Kind: Sendable, Hashable {
    /// A regular file (`0`, NUL, or the contiguous-file flag `7`).
    case regularFile
    /// A hard link to an earlier entry named by ``TarHeader/linkName`` (`1`).
    case hardlink
    /// A symbolic link whose target is ``TarHeader/linkName`` (`2`).
    case symlink
    /// A character device (`3`).
    case characterDevice
    /// A block device (`4`).
    case blockDevice
    /// A directory (`5`).
    case directory
    /// A named pipe (`6`).
    case fifo
    /// Any other type flag, kept as its raw byte.
    case other(UInt8)
  }

  /// The entry's path inside the archive, as stored (directories often end with `/`).
  public var path: String
  /// What the entry is.
  public var kind: Kind
  /// Permission bits plus setuid (`0o4000`), setgid (`0o2000`) and sticky (`0o1000`).
  public var mode: UInt32
  /// The owner's user id.
  public var uid: Int
  /// The owner's group id.
  public var gid: Int
  /// The owner's user name, if recorded.
  public var userName: String
  /// The owner's group name, if recorded.
  public var groupName: String
  /// The content size in bytes (0 for links, directories, devices and pipes).
  public var size: Int64
  /// Modification time in nanoseconds since the Unix epoch.
  public var modificationTime: Int64
  /// The symlink target or the hardlink's target path.
  public var linkName: String
  /// The device's major number, for device entries.
  public var deviceMajor: Int
  /// The device's minor number, for device entries.
  public var deviceMinor: Int
  /// PAX records this library does not interpret (for example `SCHILY.xattr.*`), by key.
  public var extendedRecords: [String: String]

  /// Creates a header.
  /// - Parameters:
  ///   - path: The path inside the archive.
  ///   - kind: What the entry is.
  ///   - mode: Permission and special bits.
  ///   - uid: The owner's user id.
  ///   - gid: The owner's group id.
  ///   - userName: The owner's user name.
  ///   - groupName: The owner's group name.
  ///   - size: The content size; only regular files carry content.
  ///   - modificationTime: Nanoseconds since the Unix epoch.
  ///   - linkName: The link target, for symlinks and hardlinks.
  ///   - deviceMajor: The device's major number.
  ///   - deviceMinor: The device's minor number.
  ///   - extendedRecords: Extra PAX records to write or that were read.
  public init(
    path: String,
    kind: Kind = .regularFile,
    mode: UInt32 = 0o644,
    uid: Int = 0,
    gid: Int = 0,
    userName: String = "",
    groupName: String = "",
    size: Int64 = 0,
    modificationTime: Int64 = 0,
    linkName: String = "",
    deviceMajor: Int = 0,
    deviceMinor: Int = 0,
    extendedRecords: [String: String] = [:]
  ) {
    self.path = path
    self.kind = kind
    self.mode = mode
    self.uid = uid
    self.gid = gid
    self.userName = userName
    self.groupName = groupName
    self.size = size
    self.modificationTime = modificationTime
    self.linkName = linkName
    self.deviceMajor = deviceMajor
    self.deviceMinor = deviceMinor
    self.extendedRecords = extendedRecords
  }

  /// Creates the header for a walked context entry; sockets and unknown types become
  /// ``Kind/other(_:)`` with flag `?`.
  /// - Parameter entry: An entry from ``ContextWalker``.
  public init(entry: ContextEntry) {
    let goMode = entry.mode
    let kind: Kind
    if entry.isHardlink {
      kind = .hardlink
    } else if goMode & FileMode.directory != 0 {
      kind = .directory
    } else if goMode & FileMode.symlink != 0 {
      kind = .symlink
    } else if goMode & FileMode.device != 0 {
      kind = goMode & FileMode.characterDevice != 0 ? .characterDevice : .blockDevice
    } else if goMode & FileMode.namedPipe != 0 {
      kind = .fifo
    } else if FileMode.isRegularFile(goMode) {
      kind = .regularFile
    } else {
      kind = .other(UInt8(ascii: "?"))
    }
    self.init(
      path: kind == .directory ? entry.path + "/" : entry.path,
      kind: kind,
      mode: FileMode.toPOSIX(goMode) & 0o7777,
      uid: Int(entry.uid),
      gid: Int(entry.gid),
      size: kind == .regularFile ? entry.size : 0,
      modificationTime: entry.modificationTime,
      linkName: entry.linkName,
      deviceMajor: Int(entry.deviceMajor),
      deviceMinor: Int(entry.deviceMinor)
    )
  }

  /// Whether entries of this kind carry content blocks after the header.
  var hasContent: Bool {
    switch self.kind {
    case .hardlink, .symlink, .characterDevice, .blockDevice, .directory, .fifo: return false
    case .regularFile, .other: return true
    }
  }
}

extension TarHeader.Kind {
  /// The type flag byte for this kind.
  var typeFlag: UInt8 {
    switch self {
    case .regularFile: return UInt8(ascii: "0")
    case .hardlink: return UInt8(ascii: "1")
    case .symlink: return UInt8(ascii: "2")
    case .characterDevice: return UInt8(ascii: "3")
    case .blockDevice: return UInt8(ascii: "4")
    case .directory: return UInt8(ascii: "5")
    case .fifo: return UInt8(ascii: "6")
    case .other(let flag): return flag
    }
  }

  /// The kind for a type flag byte (NUL and `7` are regular files).
  init(typeFlag: UInt8) {
    switch typeFlag {
    case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): self = .regularFile
    case UInt8(ascii: "1"): self = .hardlink
    case UInt8(ascii: "2"): self = .symlink
    case UInt8(ascii: "3"): self = .characterDevice
    case UInt8(ascii: "4"): self = .blockDevice
    case UInt8(ascii: "5"): self = .directory
    case UInt8(ascii: "6"): self = .fifo
    default: self = .other(typeFlag)
    }
  }
}
