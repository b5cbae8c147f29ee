// SHA-256 through OpenSSL's EVP message-digest interface.
//
// This is the only file of the module that talks to OpenSSL. An `EVP_MD_CTX` is allocated with
// `EVP_MD_CTX_new`, set up for SHA-256 with `EVP_DigestInit_ex`, fed any number of times with
// `EVP_DigestUpdate` and closed with `EVP_DigestFinal_ex`, which writes the 32-byte hash. Every
// EVP call returns 1 on success; each return code is checked where the call is made, and the
// context is freed by the noncopyable hasher that owns it.

import COpenSSL
public import Foundation

/// A streaming SHA-256 hasher for content that is too large to hold in memory at once.
///
/// Feed bytes with ``update(_:)-(Data)`` as they arrive and call ``finalize()`` once at the end.
/// The hasher owns an OpenSSL digest context and frees it when it goes away; it cannot be copied,
/// so two owners never share one context.
public struct SHA256Hasher: ~Copyable {
  private let context: OpaquePointer

  /// Creates a hasher with nothing hashed yet.
  /// - Throws: ``OCIError/Code-swift.struct/cryptoFailed`` if OpenSSL cannot set up a context.
  public init() throws {
    guard let context = EVP_MD_CTX_new() else {
      throw SHA256Hasher.failure("allocate a SHA-256 context (EVP_MD_CTX_new)")
    }
    guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
      EVP_MD_CTX_free(context)
      throw SHA256Hasher.failure("initialise SHA-256 (EVP_DigestInit_ex)")
    }
    self.context = context
  }

  deinit {
    EVP_MD_CTX_free(self.context)
  }

  /// Adds bytes to the hash.
  /// - Parameter bytes: The next bytes of the content.
  /// - Throws: ``OCIError/Code-swift.struct/cryptoFailed`` if OpenSSL rejects the update.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) throws {
    guard let base = bytes.baseAddress, bytes.count > 0 else {
      return
    }
    guard EVP_DigestUpdate(self.context, base, bytes.count) == 1 else {
      throw SHA256Hasher.failure("hash \(bytes.count) bytes (EVP_DigestUpdate)")
    }
  }

  /// Adds bytes to the hash.
  /// - Parameter data: The next bytes of the content.
  /// - Throws: ``OCIError/Code-swift.struct/cryptoFailed`` if OpenSSL rejects the update.
  public mutating func update(_ data: Data) throws {
    try data.withUnsafeBytes { try self.update($0) }
  }

  /// Finishes hashing and returns the digest of everything that was added.
  /// - Returns: The `sha256:` digest.
  /// - Throws: ``OCIError/Code-swift.struct/cryptoFailed`` if OpenSSL cannot finish the hash.
  public consuming func finalize() throws -> Digest {
    var hash = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var length: UInt32 = 0
    let status = hash.withUnsafeMutableBufferPointer { buffer in
      EVP_DigestFinal_ex(self.context, buffer.baseAddress, &length)
    }
    guard status == 1, length == 32 else {
      throw SHA256Hasher.failure("finish SHA-256 (EVP_DigestFinal_ex)")
    }
    return Digest(validatedSHA256Hex: Digest.hexString(hash.prefix(Int(length))))
  }

  private static func failure(_ what: String) -> OCIError {
    let code = ERR_get_error()
    var detail = ""
    if code != 0 {
      var buffer = [CChar](repeating: 0, count: 256)
      ERR_error_string_n(code, &buffer, buffer.count)
      detail =
        ": "
        + String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    return OCIError(
      code: .cryptoFailed,
      message:
        "OpenSSL could not \(what)\(detail); check that the system's libcrypto provides SHA-256"
    )
  }
}
