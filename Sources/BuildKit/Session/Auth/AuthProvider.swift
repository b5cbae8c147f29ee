public import GRPC
public import OCI

/// Answers the daemon's registry credential requests from the user's Docker configuration.
///
/// When a registry answers 401 the daemon calls `Auth/Credentials` with the registry host. We
/// answer with the credentials for exactly that host, or empty ones (status OK) for hosts we
/// know nothing about, which means anonymous access. `GetTokenAuthority` is not served, so it is
/// answered UNIMPLEMENTED and the daemon fetches tokens itself with the credentials we gave.
public struct AuthProvider: SessionAttachable {
  private let credentials: any CredentialProviding

  /// Creates a provider.
  /// - Parameter credentials: Where credentials come from, e.g. a ``OCI/CredentialStore``.
  public init(credentials: any CredentialProviding) {
    self.credentials = credentials
  }

  public var handlers: [String: Server.Handler] {
    let credentials = self.credentials
    return [
      "/moby.filesync.v1.Auth/Credentials": { call in
        guard let bytes = try await call.receive() else { return }
        let request = try SessionAuth.CredentialsRequest(decoding: bytes)
        let found: Credentials?
        do {
          found = try credentials.credentials(forHost: request.host)
        } catch {
          throw GRPCError.status(
            .unavailable, "credentials for \(request.host) are not available: \(error)")
        }
        var response = SessionAuth.CredentialsResponse()
        if let found {
          if let token = found.identityToken, !token.isEmpty {
            response.secret = token
          } else {
            response.username = found.username
            response.secret = found.password
          }
        }
        try await call.send(response.encoded())
      }
    ]
  }
}
