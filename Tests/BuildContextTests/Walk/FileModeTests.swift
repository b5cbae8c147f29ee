// Go `os.FileMode` bits versus POSIX `st_mode`.
import Testing

@testable import BuildContext

@Suite("FileMode")
struct FileModeTests {
  static let cases: [(posix: UInt32, go: UInt32)] = [
    (0o040755, 0x8000_01ED),  // directory 0755
    (0o100644, 0x0000_01A4),  // regular file 0644
    (0o120777, 0x0800_01FF),  // symlink
    (0o104755, 0x0080_01ED),  // setuid 0755
    (0o102755, 0x0040_01ED),  // setgid 0755
    (0o041777, 0x8010_01FF),  // sticky directory (like /tmp)
    (0o010644, 0x0200_01A4),  // named pipe
    (0o020666, 0x0420_01B6),  // character device
    (0o060660, 0x0400_01B0),  // block device
    (0o140755, 0x0100_01ED),  // socket
  ]

  @Test("converts POSIX modes to Go's encoding and back", arguments: Self.cases)
  func roundTrip(_ posix: UInt32, _ go: UInt32) {
    #expect(FileMode.fromPOSIX(posix) == go)
    #expect(FileMode.toPOSIX(go) == posix)
  }

  @Test("calls only entries without type bits regular files")
  func regularFiles() {
    #expect(FileMode.isRegularFile(0x0000_01A4))
    #expect(FileMode.isRegularFile(0x0080_01ED))
    #expect(!FileMode.isRegularFile(0x8000_01ED))
    #expect(!FileMode.isRegularFile(0x0800_01FF))
    #expect(!FileMode.isRegularFile(0x0200_01A4))
    #expect(!FileMode.isRegularFile(0x0008_01A4))
  }
}
