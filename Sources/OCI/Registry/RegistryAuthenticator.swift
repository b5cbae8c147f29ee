// Registry authentication as the distribution specification and Docker's token protocol define
// it.
//
// A registry answers 401 with a `WWW-Authenticate` challenge:
//
// - `Basic`: the client repeats the request with `Authorization: Basic base64(user:password)`.
// - `Bearer realm=... service=... scope=...`: the client asks the token server at `realm` for a
//   token with `GET realm?service=<service>&scope=<scope>...`, sending the registry's credentials
//   as Basic authorization (with `account=<user>`) if it has any and anonymously otherwise, and
//   reads `{"token": ...}` or `{"access_token": ...}` with an optional `expires_in` (seconds,
//   60 when absent). With an identity token (an OAuth2 refresh token from `docker login`) the
//   client POSTs the form `grant_type=refresh_token&refresh_token=...&service=...&scope=...
//   &client_id=...` to the realm instead. The token then goes out as `Authorization: Bearer`.
//
// Scopes are `repository:<path>:pull` or `repository:<path>:pull,push`; a cross-repository
// mount needs push on the target and pull on the source. Tokens are cached per registry host and
// set of scopes until shortly before they expire.
//
// Where credentials go. A registry's credentials are sent to that registry's host (host and
// port) and, for Bearer challenges, to the token realm the registry names. Docker and containerd
// send them to any realm the registry names, because a registry that wanted the password could as
// well ask for it with a Basic challenge. This client does the same with one restriction: a realm
// on a different host receives credentials only over HTTPS; a plain-HTTP realm on another host is
// asked for an anonymous token. Redirects that leave the host never carry `Authorization` (see
// `HTTPTransport`).

import Foundation
import Synchronization

/// Remembers challenges and tokens per registry host and answers challenges.
final class RegistryAuthenticator: Sendable {
  private struct CachedToken {
    var value: String
    var expires: ContinuousClock.Instant
  }

  private struct State {
    var challenges: [String: AuthChallenge] = [:]
    var tokens: [String: CachedToken] = [:]
  }

  private let credentials: any CredentialProviding
  private let clientID: String
  private let state = Mutex(State())

  init(credentials: any CredentialProviding, clientID: String) {
    self.credentials = credentials
    self.clientID = clientID
  }

  /// The `Authorization` header for a request to `host` that needs `scopes`, based on the
  /// challenge `host` sent before, or `nil` if it sent none or no credentials apply.
  func authorization(
    host: String, registryURL: URL, scopes: [String], transport: HTTPTransport
  ) async throws -> String? {
    let known = self.state.withLock { $0.challenges[host] }
    guard let challenge = known else {
      return nil
    }
    return try await self.authorization(
      for: challenge, host: host, registryURL: registryURL, scopes: scopes,
      transport: transport, useCache: true)
  }

  /// Answers the challenges of a 401 response; returns the header to retry with, or `nil` if
  /// there is nothing better to send (a Basic challenge without credentials).
  func authorization(
    answering challenges: [AuthChallenge], host: String, registryURL: URL, scopes: [String],
    transport: HTTPTransport
  ) async throws -> String? {
    guard
      let challenge = challenges.first(where: { $0.scheme == "bearer" })
        ?? challenges.first(where: { $0.scheme == "basic" })
    else {
      return nil
    }
    self.state.withLock { $0.challenges[host] = challenge }
    return try await self.authorization(
      for: challenge, host: host, registryURL: registryURL,
      scopes: Array(Set(scopes + challenge.scopes)).sorted(), transport: transport,
      useCache: false)
  }

  private func authorization(
    for challenge: AuthChallenge, host: String, registryURL: URL, scopes: [String],
    transport: HTTPTransport, useCache: Bool
  ) async throws -> String? {
    switch challenge.scheme {
    case "basic":
      guard let credentials = try self.credentials.credentials(forHost: host),
        !credentials.username.isEmpty || !credentials.password.isEmpty
      else {
        return nil
      }
      return RegistryAuthenticator.basic(credentials)
    case "bearer":
      let key = "\(host) \(scopes.sorted().joined(separator: " "))"
      if useCache {
        let now = ContinuousClock.now
        let cached = self.state.withLock { state -> String? in
          guard let token = state.tokens[key], token.expires > now else { return nil }
          return token.value
        }
        if let cached {
          return "Bearer \(cached)"
        }
      }
      let token = try await self.fetchToken(
        challenge: challenge, host: host, registryURL: registryURL, scopes: scopes,
        transport: transport)
      self.state.withLock { $0.tokens[key] = token }
      return "Bearer \(token.value)"
    default:
      return nil
    }
  }

  private static func basic(_ credentials: Credentials) -> String {
    let pair = "\(credentials.username):\(credentials.password)"
    return "Basic \(Data(pair.utf8).base64EncodedString())"
  }

  /// Whether the registry's credentials may go to this realm (see the file summary).
  static func mayReceiveCredentials(realm: URL, registryURL: URL) -> Bool {
    if hostAndPort(of: realm) == hostAndPort(of: registryURL) {
      return true
    }
    return realm.scheme?.lowercased() == "https"
  }

  private func fetchToken(
    challenge: AuthChallenge, host: String, registryURL: URL, scopes: [String],
    transport: HTTPTransport
  ) async throws -> CachedToken {
    guard let realmString = challenge.realm, let realm = URL(string: realmString),
      let scheme = realm.scheme?.lowercased(), scheme == "https" || scheme == "http",
      realm.host != nil
    else {
      throw OCIError(
        code: .registryError,
        message:
          "registry \(host) sent a Bearer challenge without a usable http(s) realm; "
          + "the registry's token authentication is misconfigured")
    }
    let realmHost = hostAndPort(of: realm)
    var credentials: Credentials?
    if RegistryAuthenticator.mayReceiveCredentials(realm: realm, registryURL: registryURL) {
      credentials = try self.credentials.credentials(forHost: host)
    }
    var request: HTTPRequest
    if let credentials, let refreshToken = credentials.identityToken {
      var form = [
        ("grant_type", "refresh_token"), ("refresh_token", refreshToken),
        ("client_id", self.clientID),
      ]
      if let service = challenge.service { form.append(("service", service)) }
      if !scopes.isEmpty { form.append(("scope", scopes.joined(separator: " "))) }
      request = HTTPRequest(method: "POST", url: realm)
      request.headers["Content-Type"] = "application/x-www-form-urlencoded"
      request.body = .data(Data(RegistryAuthenticator.formEncode(form).utf8))
    } else {
      var components = URLComponents(url: realm, resolvingAgainstBaseURL: false)!
      var items = components.queryItems ?? []
      if let service = challenge.service {
        items.append(URLQueryItem(name: "service", value: service))
      }
      for scope in scopes { items.append(URLQueryItem(name: "scope", value: scope)) }
      if let credentials, !credentials.username.isEmpty {
        items.append(URLQueryItem(name: "account", value: credentials.username))
      }
      components.queryItems = items.isEmpty ? nil : items
      request = HTTPRequest(method: "GET", url: components.url ?? realm)
      if let credentials, !credentials.username.isEmpty || !credentials.password.isEmpty {
        request.headers["Authorization"] = RegistryAuthenticator.basic(credentials)
      }
    }
    let response = try await transport.send(request)
    guard response.status == 200 else {
      let sentCredentials = request.headers["Authorization"] != nil || request.method == "POST"
      if response.status == 401 || response.status == 403 {
        throw OCIError(
          code: .unauthorized,
          message:
            "token server \(realmHost) refused "
            + (sentCredentials ? "the credentials configured" : "anonymous access")
            + " for registry \(host) (HTTP \(response.status)); "
            + (sentCredentials
              ? "check the user name and password (docker login \(host))"
              : "log in to \(host) first (docker login \(host))"))
      }
      throw OCIError(
        code: .registryError,
        message:
          "token server \(realmHost) for registry \(host) answered HTTP \(response.status) to a "
          + "token request for \(scopes.isEmpty ? "no scope" : scopes.joined(separator: " "))")
    }
    struct TokenReply: Decodable {
      var token: String?
      var accessToken: String?
      var expiresIn: Int?

      enum CodingKeys: String, CodingKey {
        case token
        case accessToken = "access_token"
        case expiresIn = "expires_in"
      }
    }
    guard let reply = try? JSONDecoder().decode(TokenReply.self, from: response.body),
      let value = reply.token ?? reply.accessToken, !value.isEmpty
    else {
      throw OCIError(
        code: .registryError,
        message:
          "token server \(realmHost) for registry \(host) answered without a \"token\" or "
          + "\"access_token\"; the registry's token service is misconfigured")
    }
    let lifetime = max(reply.expiresIn ?? 60, 10)
    // Renew a little early so that a token does not expire between check and use.
    let expires = ContinuousClock.now + .seconds(lifetime) - .seconds(min(5, lifetime / 2))
    return CachedToken(value: value, expires: expires)
  }

  private static func formEncode(_ pairs: [(String, String)]) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return pairs.map { name, value in
      let encodedName = name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name
      let encodedValue = value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
      return "\(encodedName)=\(encodedValue)"
    }.joined(separator: "&")
  }
}
