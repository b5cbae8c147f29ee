/// A user name and secret for one registry, as found in a Docker client configuration.
///
/// Printing a value never shows the secret: ``description``, ``debugDescription`` and the mirror
/// used by `dump` all redact the password and the identity token.
public struct Credentials: Hashable, Sendable, CustomStringConvertible,
  CustomDebugStringConvertible,
  CustomReflectable
{
  /// The user name.
  public var username: String
  /// The password or access token that goes with ``username``.
  public var password: String
  /// An OAuth2 refresh token (`identitytoken` in `config.json`) to exchange at a token realm
  /// instead of sending the password, or `nil`.
  public var identityToken: String?

  /// Creates credentials.
  /// - Parameters:
  ///   - username: The user name.
  ///   - password: The password or access token.
  ///   - identityToken: An OAuth2 refresh token, if the registry issued one.
  public init(username: String, password: String, identityToken: String? = nil) {
    self.username = username
    self.password = password
    self.identityToken = identityToken
  }

  /// The user name, with the password and any identity token redacted.
  public var description: String {
    let token = self.identityToken == nil ? "" : ", identity token: <redacted>"
    return "Credentials(username: \(self.username), password: <redacted>\(token))"
  }

  /// The same redacted text as ``description``.
  public var debugDescription: String { self.description }

  /// A mirror that shows the user name and hides the secrets, for `dump` and debuggers.
  public var customMirror: Mirror {
    Mirror(self, children: ["username": self.username, "secret": "<redacted>"])
  }
}

/// Something that knows the credentials for registry hosts.
public protocol CredentialProviding: Sendable {
  /// Looks up the credentials for a registry host.
  /// - Parameter host: The registry host as contacted, with its port if any
  ///   (`registry-1.docker.io`, `ghcr.io`, `localhost:5000`).
  /// - Returns: The credentials, or `nil` for anonymous access.
  /// - Throws: ``OCIError`` if a configured source of credentials fails.
  func credentials(forHost host: String) throws -> Credentials?
}

/// A fixed table of credentials by registry host, for callers that already hold them.
public struct StaticCredentials: CredentialProviding {
  private let table: [String: Credentials]

  /// Creates a table.
  /// - Parameter table: Credentials keyed by registry host with port (as contacted).
  public init(_ table: [String: Credentials]) {
    self.table = table
  }

  /// Returns the credentials stored for `host`, or `nil`.
  /// - Parameter host: The registry host as contacted.
  /// - Returns: The credentials, or `nil` for anonymous access.
  public func credentials(forHost host: String) throws -> Credentials? {
    self.table[host]
  }
}
