import Testing

@testable import BuildContext

@Suite("Tar header checksums")
struct TarFormatTests {
  @Test("count the checksum field as eight spaces, whatever it holds")
  func countTheFieldAsSpaces() {
    let block = [UInt8](repeating: 0xFF, count: TarFormat.blockSize)
    // 504 bytes of 255 and 8 spaces of 32.
    #expect(TarFormat.checksum(block[...]) == 504 * 255 + 8 * 32)
    // Signed, 0xFF is -1.
    #expect(TarFormat.signedChecksum(block[...]) == -504 + 8 * 32)
  }

  @Test("sum every other byte once, at any position")
  func sumEveryByte() {
    var block = [UInt8](repeating: 0, count: TarFormat.blockSize)
    block[0] = 200
    block[147] = 1
    block[150] = 99  // inside the field: counted as a space
    block[156] = 2
    block[511] = 130
    #expect(TarFormat.checksum(block[...]) == 200 + 1 + 2 + 130 + 8 * 32)
    #expect(TarFormat.signedChecksum(block[...]) == -56 + 1 + 2 - 126 + 8 * 32)
  }

  @Test("start at the slice's first byte, not at the array's")
  func readTheSliceItself() {
    let bytes = [UInt8](repeating: 7, count: 16) + [UInt8](repeating: 1, count: TarFormat.blockSize)
    #expect(TarFormat.checksum(bytes[16...]) == 504 + 8 * 32)
  }
}
