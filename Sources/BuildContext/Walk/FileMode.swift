/// Conversion between POSIX `st_mode` values and Go's `os.FileMode` encoding.
///
/// fsutil's `Stat.mode` carries Go's `os.FileMode`, not `st_mode`. Go keeps the nine permission
/// bits where POSIX has them, but moves the file type and the setuid, setgid and sticky flags
/// into the high bits:
///
/// | Go bit       | Meaning                                  | POSIX          |
/// |--------------|------------------------------------------|----------------|
/// | `0x80000000` | directory                                | `S_IFDIR`      |
/// | `0x08000000` | symbolic link                            | `S_IFLNK`      |
/// | `0x04000000` | device                                   | `S_IFBLK`      |
/// | `0x04200000` | character device (device + char bits)    | `S_IFCHR`      |
/// | `0x02000000` | named pipe                               | `S_IFIFO`      |
/// | `0x01000000` | socket                                   | `S_IFSOCK`     |
/// | `0x00800000` | setuid                                   | `S_ISUID`      |
/// | `0x00400000` | setgid                                   | `S_ISGID`      |
/// | `0x00100000` | sticky                                   | `S_ISVTX`      |
///
/// A regular file has none of the type bits. Sending `st_mode` unchanged makes a directory look
/// like a regular file with odd permission bits.
public enum FileMode {
  /// Go's `os.ModeDir`.
  public static let directory: UInt32 = 0x8000_0000
  /// Go's `os.ModeSymlink`.
  public static let symlink: UInt32 = 0x0800_0000
  /// Go's `os.ModeDevice`.
  public static let device: UInt32 = 0x0400_0000
  /// Go's `os.ModeNamedPipe`.
  public static let namedPipe: UInt32 = 0x0200_0000
  /// Go's `os.ModeSocket`.
  public static let socket: UInt32 = 0x0100_0000
  /// Go's `os.ModeSetuid`.
  public static let setuid: UInt32 = 0x0080_0000
  /// Go's `os.ModeSetgid`.
  public static let setgid: UInt32 = 0x0040_0000
  /// Go's `os.ModeCharDevice`, always together with ``device``.
  public static let characterDevice: UInt32 = 0x0020_0000
  /// Go's `os.ModeSticky`.
  public static let sticky: UInt32 = 0x0010_0000
  /// Go's `os.ModeIrregular`.
  public static let irregular: UInt32 = 0x0008_0000
  /// Go's `os.ModePerm`: the nine permission bits.
  public static let permissions: UInt32 = 0o777
  /// Go's `os.ModeType`: every bit that makes an entry something other than a regular file.
  public static let typeMask: UInt32 =
    directory | symlink | namedPipe | socket | device | characterDevice | irregular

  /// Converts a POSIX `st_mode` to Go's `os.FileMode` bits, as Go's `os.Lstat` does on Linux.
  /// - Parameter posixMode: A `st_mode` value (file type, special bits and permissions).
  /// - Returns: The Go encoding of the same type and permissions.
  public static func fromPOSIX(_ posixMode: UInt32) -> UInt32 {
    var mode = posixMode & Self.permissions
    switch posixMode & 0o170000 {
    case 0o060000: mode |= Self.device
    case 0o020000: mode |= Self.device | Self.characterDevice
    case 0o040000: mode |= Self.directory
    case 0o010000: mode |= Self.namedPipe
    case 0o120000: mode |= Self.symlink
    case 0o140000: mode |= Self.socket
    default: break
    }
    if posixMode & 0o4000 != 0 { mode |= Self.setuid }
    if posixMode & 0o2000 != 0 { mode |= Self.setgid }
    if posixMode & 0o1000 != 0 { mode |= Self.sticky }
    return mode
  }

  /// Converts Go's `os.FileMode` bits back to a POSIX `st_mode`.
  /// - Parameter goMode: A Go `os.FileMode` value, as carried in fsutil's `Stat.mode`.
  /// - Returns: The POSIX file type, special bits and permissions; unknown types map to a
  ///   regular file.
  public static func toPOSIX(_ goMode: UInt32) -> UInt32 {
    var mode = goMode & Self.permissions
    if goMode & Self.directory != 0 {
      mode |= 0o040000
    } else if goMode & Self.symlink != 0 {
      mode |= 0o120000
    } else if goMode & Self.device != 0 {
      mode |= goMode & Self.characterDevice != 0 ? 0o020000 : 0o060000
    } else if goMode & Self.namedPipe != 0 {
      mode |= 0o010000
    } else if goMode & Self.socket != 0 {
      mode |= 0o140000
    } else {
      mode |= 0o100000
    }
    if goMode & Self.setuid != 0 { mode |= 0o4000 }
    if goMode & Self.setgid != 0 { mode |= 0o2000 }
    if goMode & Self.sticky != 0 { mode |= 0o1000 }
    return mode
  }

  /// Whether a Go mode describes a regular file, the only kind whose data can be requested.
  /// The sender and the receiver must agree on this test.
  /// - Parameter goMode: A Go `os.FileMode` value.
  /// - Returns: True when none of the type bits is set.
  public static func isRegularFile(_ goMode: UInt32) -> Bool {
    goMode & Self.typeMask == 0
  }
}
