import Foundation

/// TLS settings for a client channel: the CA that signs the server, an optional client
/// certificate for mutual TLS, and an optional server-name override.
public struct TLSConfiguration: Sendable, Hashable {
  /// PEM of the certificate authorities to trust; nil uses the system roots.
  public var trustedCertificates: String?
  /// PEM of the client certificate chain, for mutual TLS.
  public var certificateChain: String?
  /// PEM of the client's private key, for mutual TLS.
  public var privateKey: String?
  /// The name to verify in the server's certificate instead of the address's host.
  public var serverName: String?

  /// Creates a configuration from PEM text.
  /// - Parameters:
  ///   - trustedCertificates: PEM of the CA certificates; nil for the system roots.
  ///   - certificateChain: PEM of the client certificate, for mutual TLS.
  ///   - privateKey: PEM of the client key, for mutual TLS.
  ///   - serverName: A server-name override.
  public init(
    trustedCertificates: String? = nil,
    certificateChain: String? = nil,
    privateKey: String? = nil,
    serverName: String? = nil
  ) {
    self.trustedCertificates = trustedCertificates
    self.certificateChain = certificateChain
    self.privateKey = privateKey
    self.serverName = serverName
  }

  /// Creates a configuration from PEM files, as buildctl's `--tlscacert`, `--tlscert` and
  /// `--tlskey` name them.
  /// - Parameters:
  ///   - caFile: Path of the CA certificate file.
  ///   - certificateFile: Path of the client certificate file.
  ///   - keyFile: Path of the client key file.
  ///   - serverName: A server-name override.
  /// - Throws: ``GRPCError`` with code ``GRPCError/Code/invalidConfiguration`` naming the file
  ///   that cannot be read, or a certificate given without its key.
  public init(
    caFile: String?,
    certificateFile: String?,
    keyFile: String?,
    serverName: String? = nil
  ) throws(GRPCError) {
    guard (certificateFile == nil) == (keyFile == nil) else {
      throw GRPCError(
        code: .invalidConfiguration,
        message: "a TLS client certificate needs its key and the key its certificate: "
          + "pass both --tlscert and --tlskey"
      )
    }
    self.init(
      trustedCertificates: try caFile.map(Self.read),
      certificateChain: try certificateFile.map(Self.read),
      privateKey: try keyFile.map(Self.read),
      serverName: serverName
    )
  }

  private static func read(_ path: String) throws(GRPCError) -> String {
    do {
      let text = try String(contentsOfFile: path, encoding: .utf8)
      guard text.contains("-----BEGIN") else {
        throw GRPCError(
          code: .invalidConfiguration,
          message: "TLS file \(path) holds no PEM block; pass a PEM certificate or key"
        )
      }
      return text
    } catch let error as GRPCError {
      throw error
    } catch {
      throw GRPCError(
        code: .invalidConfiguration,
        message: "cannot read TLS file \(path); check the path and its permissions",
        cause: error
      )
    }
  }
}
