// Content digests as used by the OCI image and distribution specifications.
//
// A digest is written `algorithm:encoded`. This module supports the `sha256` algorithm, whose
// encoded part is exactly 64 lowercase hexadecimal characters; that is the algorithm every
// registry and BuildKit use to address manifests, configs and layers.

public import Foundation

/// A `sha256:<hex>` content digest.
///
/// Parse one with ``init(parsing:)``, compute one with ``sha256(of:)`` or ``SHA256Hasher``, and
/// check content against one with ``verify(_:)``. It encodes to and decodes from its string form.
public struct Digest: Hashable, Sendable, Codable, CustomStringConvertible {
  /// The algorithm name, always `sha256`.
  public let algorithm: String
  /// The 64 lowercase hexadecimal characters of the hash.
  public let encoded: String

  /// The digest in `algorithm:encoded` form.
  public var description: String { "\(self.algorithm):\(self.encoded)" }

  /// Parses and validates a digest string.
  /// - Parameter string: A string such as `sha256:e3b0c442…b855`.
  /// - Throws: ``OCIError/Code-swift.struct/invalidDigest`` if the string is not a `sha256`
  ///   digest with 64 lowercase hexadecimal characters.
  public init(parsing string: String) throws {
    guard let colon = string.firstIndex(of: ":") else {
      throw OCIError(
        code: .invalidDigest,
        message: "digest \"\(string)\" has no algorithm; write it as sha256:<64 hex characters>"
      )
    }
    let algorithm = String(string[..<colon])
    let encoded = String(string[string.index(after: colon)...])
    guard algorithm == "sha256" else {
      throw OCIError(
        code: .invalidDigest,
        message:
          "digest \"\(string)\" uses algorithm \"\(algorithm)\"; only sha256 digests are supported"
      )
    }
    guard encoded.utf8.count == 64, encoded.utf8.allSatisfy(Digest.isLowercaseHex) else {
      throw OCIError(
        code: .invalidDigest,
        message:
          "digest \"\(string)\" is not sha256 followed by 64 lowercase hexadecimal characters"
      )
    }
    self.algorithm = algorithm
    self.encoded = encoded
  }

  init(validatedSHA256Hex hex: String) {
    self.algorithm = "sha256"
    self.encoded = hex
  }

  /// Computes the SHA-256 digest of some bytes.
  /// - Parameter data: The content.
  /// - Returns: The content's `sha256:` digest.
  /// - Throws: ``OCIError/Code-swift.struct/cryptoFailed`` if OpenSSL fails.
  public static func sha256(of data: Data) throws -> Digest {
    var hasher = try SHA256Hasher()
    try hasher.update(data)
    return try hasher.finalize()
  }

  /// Computes the SHA-256 digest of a file, reading it in pieces.
  /// - Parameter file: The file to hash.
  /// - Returns: The file's `sha256:` digest and its size in bytes.
  /// - Throws: ``OCIError/Code-swift.struct/io`` if the file cannot be read, or
  ///   ``OCIError/Code-swift.struct/cryptoFailed`` if OpenSSL fails.
  public static func sha256(ofFileAt file: URL) throws -> (digest: Digest, size: Int64) {
    let handle: FileHandle
    do {
      handle = try FileHandle(forReadingFrom: file)
    } catch {
      throw OCIError(
        code: .io,
        message: "cannot open \(file.path) to hash it; check that it exists and is readable",
        cause: error
      )
    }
    defer { try? handle.close() }
    var hasher = try SHA256Hasher()
    var size: Int64 = 0
    while true {
      let chunk: Data?
      do {
        chunk = try handle.read(upToCount: 1 << 20)
      } catch {
        throw OCIError(
          code: .io, message: "cannot read \(file.path) while hashing it", cause: error)
      }
      guard let chunk, !chunk.isEmpty else {
        break
      }
      try hasher.update(chunk)
      size += Int64(chunk.count)
    }
    return (try hasher.finalize(), size)
  }

  /// Checks that some bytes hash to this digest.
  /// - Parameter data: The content that was addressed by this digest.
  /// - Throws: ``OCIError/Code-swift.struct/digestMismatch`` naming both digests if the content
  ///   hashes to something else.
  public func verify(_ data: Data) throws {
    let actual = try Digest.sha256(of: data)
    guard actual == self else {
      throw OCIError(
        code: .digestMismatch,
        message:
          "content expected to be \(self) hashes to \(actual) (\(data.count) bytes); "
          + "the content is corrupt or was addressed by the wrong digest"
      )
    }
  }

  /// Decodes a digest from its string form.
  /// - Parameter decoder: The decoder.
  /// - Throws: `DecodingError.dataCorrupted` if the string is not a valid digest.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    let string = try container.decode(String.self)
    do {
      try self.init(parsing: string)
    } catch let error as OCIError {
      throw DecodingError.dataCorruptedError(
        in: container, debugDescription: error.message)
    }
  }

  /// Encodes the digest as its string form.
  /// - Parameter encoder: The encoder.
  /// - Throws: An encoding error from the encoder.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(self.description)
  }

  static func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    for byte in bytes {
      out.append(digits[Int(byte >> 4)])
      out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  private static func isLowercaseHex(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
      || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
  }
}
