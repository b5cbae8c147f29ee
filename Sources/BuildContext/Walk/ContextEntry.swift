/// One file-system entry of a build context, in the shape of fsutil's `Stat` message.
///
/// Field by field, this is what the FileSync sender puts into a `PACKET_STAT`:
///
/// - `path`: relative to the context root, `/`-separated and clean; the root itself never
///   appears.
/// - `mode`: Go `os.FileMode` bits (see ``FileMode``), never a POSIX `st_mode`.
/// - `uid`, `gid`: always 0, as every Go client sends them, so that host ids end up neither in
///   images nor in cache keys.
/// - `size`: bytes for regular files, the length of the link text for symlinks, 0 for directories,
///   devices, pipes and hardlink entries.
/// - `modificationTime`: nanoseconds since the Unix epoch, the real `st_mtim`; the daemon decides
///   whether to re-request a file by comparing it exactly.
/// - `linkName`: the raw target text for symlinks; for the second and later names of a hardlinked
///   file, the path of its first name in the same walk (such entries keep a regular-file mode).
/// - `deviceMajor`, `deviceMinor`: for block and character devices.
public struct ContextEntry: Sendable, Hashable {
  /// The path relative to the context root, `/`-separated, without a leading `./` or `/`.
  public var path: String
  /// Go `os.FileMode` bits: file type flags plus permissions.
  public var mode: UInt32
  /// The owner's user id; the walker always reports 0.
  public var uid: UInt32
  /// The owner's group id; the walker always reports 0.
  public var gid: UInt32
  /// Bytes for files, link-text length for symlinks, 0 for directories and hardlink entries.
  public var size: Int64
  /// Modification time in nanoseconds since the Unix epoch.
  public var modificationTime: Int64
  /// The symlink target text, or the first path of a hardlinked file; empty otherwise.
  public var linkName: String
  /// The device's major number, for device files.
  public var deviceMajor: Int64
  /// The device's minor number, for device files.
  public var deviceMinor: Int64

  /// Creates an entry.
  /// - Parameters:
  ///   - path: The relative, `/`-separated path.
  ///   - mode: Go `os.FileMode` bits.
  ///   - uid: The owner's user id.
  ///   - gid: The owner's group id.
  ///   - size: The size as described on ``size``.
  ///   - modificationTime: Nanoseconds since the Unix epoch.
  ///   - linkName: The symlink or hardlink target, if any.
  ///   - deviceMajor: The device's major number.
  ///   - deviceMinor: The device's minor number.
  public init(
    path: String,
    mode: UInt32,
    uid: UInt32 = 0,
    gid: UInt32 = 0,
    size: Int64 = 0,
    modificationTime: Int64 = 0,
    linkName: String = "",
    deviceMajor: Int64 = 0,
    deviceMinor: Int64 = 0
  ) {
    self.path = path
    self.mode = mode
    self.uid = uid
    self.gid = gid
    self.size = size
    self.modificationTime = modificationTime
    self.linkName = linkName
    self.deviceMajor = deviceMajor
    self.deviceMinor = deviceMinor
  }

  /// Whether this is a directory.
  public var isDirectory: Bool { self.mode & FileMode.directory != 0 }

  /// Whether this is a symbolic link.
  public var isSymlink: Bool { self.mode & FileMode.symlink != 0 }

  /// Whether the entry has a regular-file mode; only such entries may be requested by id.
  public var isRegularFile: Bool { FileMode.isRegularFile(self.mode) }

  /// Whether this is a later name of a hardlinked file (regular mode with a link name).
  public var isHardlink: Bool { self.isRegularFile && !self.linkName.isEmpty }
}
