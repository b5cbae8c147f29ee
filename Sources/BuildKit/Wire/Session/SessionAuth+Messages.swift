// The messages of the session's Auth service (`moby.filesync.v1`), which the daemon calls when a
// registry asks for credentials.
//
// Credentials returns a user name and secret for a host (empty for hosts without credentials).
// GetTokenAuthority, FetchToken and VerifyTokenAuthority let a client that keeps an Ed25519 key
// fetch registry tokens itself, so that credentials never leave the client.

import CBuildKitProtos

extension SessionAuth {
  /// A request for a registry's credentials (`moby.filesync.v1.CredentialsRequest`).
  public struct CredentialsRequest: WireMessage, Hashable {
    /// The registry host as contacted, with its port if any, e.g. `registry-1.docker.io`.
    public var host: String

    /// Creates a request; each parameter sets the property of the same name.
    public init(host: String = "") {
      self.host = host
    }
  }

  /// A registry's credentials; empty for anonymous access (`moby.filesync.v1.CredentialsResponse`).
  public struct CredentialsResponse: WireMessage, Hashable {
    /// The user name; empty with an identity token.
    public var username: String
    /// The password or identity token.
    public var secret: String

    /// Creates a response; each parameter sets the property of the same name.
    public init(username: String = "", secret: String = "") {
      self.username = username
      self.secret = secret
    }
  }

  /// A request to fetch a registry token on the daemon's behalf
  /// (`moby.filesync.v1.FetchTokenRequest`).
  public struct FetchTokenRequest: WireMessage, Hashable {
    /// The OAuth client id.
    public var clientID: String
    /// The registry host.
    public var host: String
    /// The token server's URL, from the registry's challenge.
    public var realm: String
    /// The service, from the registry's challenge.
    public var service: String
    /// The scopes to request.
    public var scopes: [String]

    /// Creates a request; each parameter sets the property of the same name.
    public init(
      clientID: String = "",
      host: String = "",
      realm: String = "",
      service: String = "",
      scopes: [String] = []
    ) {
      self.clientID = clientID
      self.host = host
      self.realm = realm
      self.service = service
      self.scopes = scopes
    }
  }

  /// A registry token (`moby.filesync.v1.FetchTokenResponse`).
  public struct FetchTokenResponse: WireMessage, Hashable {
    /// The token.
    public var token: String
    /// Its lifetime in seconds.
    public var expiresIn: Int64
    /// When it was issued, in Unix seconds.
    public var issuedAt: Int64

    /// Creates a response; each parameter sets the property of the same name.
    public init(token: String = "", expiresIn: Int64 = 0, issuedAt: Int64 = 0) {
      self.token = token
      self.expiresIn = expiresIn
      self.issuedAt = issuedAt
    }
  }

  /// A request for the client's token signing key for a host
  /// (`moby.filesync.v1.GetTokenAuthorityRequest`).
  public struct GetTokenAuthorityRequest: WireMessage, Hashable {
    /// The registry host.
    public var host: String
    /// A salt to derive the key with.
    public var salt: [UInt8]

    /// Creates a request; each parameter sets the property of the same name.
    public init(host: String = "", salt: [UInt8] = []) {
      self.host = host
      self.salt = salt
    }
  }

  /// The client's token signing key (`moby.filesync.v1.GetTokenAuthorityResponse`).
  public struct GetTokenAuthorityResponse: WireMessage, Hashable {
    /// An Ed25519 public key, exactly 32 bytes.
    public var publicKey: [UInt8]

    /// Creates a response; each parameter sets the property of the same name.
    public init(publicKey: [UInt8] = []) {
      self.publicKey = publicKey
    }
  }

  /// A request to sign a payload with the client's token signing key
  /// (`moby.filesync.v1.VerifyTokenAuthorityRequest`).
  public struct VerifyTokenAuthorityRequest: WireMessage, Hashable {
    /// The registry host.
    public var host: String
    /// The bytes to sign.
    public var payload: [UInt8]
    /// The salt the key was derived with.
    public var salt: [UInt8]

    /// Creates a request; each parameter sets the property of the same name.
    public init(host: String = "", payload: [UInt8] = [], salt: [UInt8] = []) {
      self.host = host
      self.payload = payload
      self.salt = salt
    }
  }

  /// A signed payload (`moby.filesync.v1.VerifyTokenAuthorityResponse`).
  public struct VerifyTokenAuthorityResponse: WireMessage, Hashable {
    /// A 64-byte signature followed by the payload.
    public var signed: [UInt8]

    /// Creates a response; each parameter sets the property of the same name.
    public init(signed: [UInt8] = []) {
      self.signed = signed
    }
  }
}

extension SessionAuth.CredentialsRequest: CBackedMessage {
  init(cStruct c: Moby__Filesync__V1__CredentialsRequest) {
    self.init(host: .init(cValue: c.host))
  }

  func fill(_ c: inout Moby__Filesync__V1__CredentialsRequest, in arena: CArena) {
    c.host = arena.value(self.host)
  }
}

extension SessionAuth.CredentialsResponse: CBackedMessage {
  init(cStruct c: Moby__Filesync__V1__CredentialsResponse) {
    self.init(username: .init(cValue: c.username), secret: .init(cValue: c.secret))
  }

  func fill(_ c: inout Moby__Filesync__V1__CredentialsResponse, in arena: CArena) {
    c.username = arena.value(self.username)
    c.secret = arena.value(self.secret)
  }
}

extension SessionAuth.FetchTokenRequest: CBackedMessage {
  init(cStruct c: Moby__Filesync__V1__FetchTokenRequest) {
    self.init()
    self.clientID = .init(cValue: c.client_id)
    self.host = .init(cValue: c.host)
    self.realm = .init(cValue: c.realm)
    self.service = .init(cValue: c.service)
    self.scopes = .init(count: c.n_scopes, cValues: c.scopes)
  }

  func fill(_ c: inout Moby__Filesync__V1__FetchTokenRequest, in arena: CArena) {
    c.client_id = arena.value(self.clientID)
    c.host = arena.value(self.host)
    c.realm = arena.value(self.realm)
    c.service = arena.value(self.service)
    (c.n_scopes, c.scopes) = arena.list(self.scopes)
  }
}

extension SessionAuth.FetchTokenResponse: CBackedMessage {
  init(cStruct c: Moby__Filesync__V1__FetchTokenResponse) {
    self.init(token: .init(cValue: c.token), expiresIn: c.expires_in, issuedAt: c.issued_at)
  }

  func fill(_ c: inout Moby__Filesync__V1__FetchTokenResponse, in arena: CArena) {
    c.token = arena.value(self.token)
    c.expires_in = self.expiresIn
    c.issued_at = self.issuedAt
  }
}

extension SessionAuth.GetTokenAuthorityRequest: CBackedMessage {
  init(cStruct c: Moby__Filesync__V1__GetTokenAuthorityRequest) {
    self.init(host: .init(cValue: c.host), salt: .init(cValue: c.salt))
  }

  func fill(_ c: inout Moby__Filesync__V1__GetTokenAuthorityRequest, in arena: CArena) {
    c.host = arena.value(self.host)
    c.salt = arena.value(self.salt)
  }
}

extension SessionAuth.GetTokenAuthorityResponse: CBackedMessage {
  init(cStruct c: Moby__Filesync__V1__GetTokenAuthorityResponse) {
    self.init(publicKey: .init(cValue: c.public_key))
  }

  func fill(_ c: inout Moby__Filesync__V1__GetTokenAuthorityResponse, in arena: CArena) {
    c.public_key = arena.value(self.publicKey)
  }
}

extension SessionAuth.VerifyTokenAuthorityRequest: CBackedMessage {
  init(cStruct c: Moby__Filesync__V1__VerifyTokenAuthorityRequest) {
    self.init(host: .init(cValue: c.host), payload: .init(cValue: c.payload))
    self.salt = .init(cValue: c.salt)
  }

  func fill(_ c: inout Moby__Filesync__V1__VerifyTokenAuthorityRequest, in arena: CArena) {
    c.host = arena.value(self.host)
    c.payload = arena.value(self.payload)
    c.salt = arena.value(self.salt)
  }
}

extension SessionAuth.VerifyTokenAuthorityResponse: CBackedMessage {
  init(cStruct c: Moby__Filesync__V1__VerifyTokenAuthorityResponse) {
    self.init(signed: .init(cValue: c.signed_))
  }

  func fill(_ c: inout Moby__Filesync__V1__VerifyTokenAuthorityResponse, in arena: CArena) {
    c.signed_ = arena.value(self.signed)
  }
}
