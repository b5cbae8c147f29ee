import Foundation
import OCI
import Testing

@Suite("Digest")
struct DigestTests {
  static let vectors: [(input: String, hex: String)] = [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    ),
    (
      "The quick brown fox jumps over the lazy dog",
      "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"
    ),
  ]

  @Test("SHA-256 of known inputs matches the published test vectors", arguments: vectors)
  func knownVectors(input: String, hex: String) throws {
    let digest = try Digest.sha256(of: Data(input.utf8))
    #expect(digest.description == "sha256:\(hex)")
    #expect(digest.algorithm == "sha256")
    #expect(digest.encoded == hex)
  }

  @Test("the streaming hasher fed in uneven pieces agrees with hashing everything at once")
  func streamingMatchesOneShot() throws {
    let data = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
    var hasher = try SHA256Hasher()
    var offset = 0
    var step = 1
    while offset < data.count {
      let end = min(offset + step, data.count)
      try hasher.update(data.subdata(in: offset..<end))
      offset = end
      step = step * 3 + 1
    }
    let streamed = try hasher.finalize()
    #expect(streamed == (try Digest.sha256(of: data)))
  }

  @Test("one million 'a' characters hash to the FIPS 180-2 vector")
  func millionA() throws {
    var hasher = try SHA256Hasher()
    let block = Data(repeating: UInt8(ascii: "a"), count: 1000)
    for _ in 0..<1000 { try hasher.update(block) }
    let digest = try hasher.finalize()
    #expect(digest.encoded == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test("a file is hashed in pieces to the same digest and size as its bytes")
  func fileHashing() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let data = Data((0..<3_000_001).map { UInt8(truncatingIfNeeded: $0 / 7) })
      let file = directory.file("blob")
      try data.write(to: file)
      let (digest, size) = try Digest.sha256(ofFileAt: file)
      #expect(size == Int64(data.count))
      #expect(digest == (try Digest.sha256(of: data)))
    }
  }

  @Test("hashing a missing file fails with an I/O error naming the file")
  func missingFile() throws {
    let error = #expect(throws: OCIError.self) {
      _ = try Digest.sha256(ofFileAt: URL(fileURLWithPath: "/nonexistent/oci-blob"))
    }
    #expect(error?.code == .io)
    #expect(error?.message.contains("/nonexistent/oci-blob") == true)
  }

  @Test("a well-formed sha256 digest string parses back to the same text")
  func parsing() throws {
    let text = "sha256:" + String(repeating: "0123456789abcdef", count: 4)
    let digest = try Digest(parsing: text)
    #expect(digest.description == text)
  }

  @Test(
    "malformed digest strings are refused with a message that quotes them",
    arguments: [
      "",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "sha256:",
      "sha256:e3b0c442",
      "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g",
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8550",
      "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "md5:d41d8cd98f00b204e9800998ecf8427e",
    ])
  func invalid(text: String) {
    let error = #expect(throws: OCIError.self) { try Digest(parsing: text) }
    #expect(error?.code == .invalidDigest)
    #expect(error?.message.contains("\"\(text)\"") == true)
  }

  @Test("verify accepts matching content and names both digests on a mismatch")
  func verify() throws {
    let digest = try Digest.sha256(of: Data("abc".utf8))
    try digest.verify(Data("abc".utf8))
    let error = #expect(throws: OCIError.self) { try digest.verify(Data("abd".utf8)) }
    #expect(error?.code == .digestMismatch)
    let other = try Digest.sha256(of: Data("abd".utf8))
    #expect(error?.message.contains(digest.description) == true)
    #expect(error?.message.contains(other.description) == true)
  }

  @Test("a digest encodes to a JSON string and decoding rejects malformed strings")
  func codable() throws {
    let digest = try Digest.sha256(of: Data())
    let json = try JSONEncoder().encode([digest])
    #expect(String(decoding: json, as: UTF8.self) == "[\"\(digest)\"]")
    #expect(try JSONDecoder().decode([Digest].self, from: json) == [digest])
    #expect(throws: DecodingError.self) {
      _ = try JSONDecoder().decode([Digest].self, from: Data("[\"sha256:xyz\"]".utf8))
    }
  }
}
