import BuildKit
import Testing

@Suite("Session service messages")
struct SessionMessagesTests {
  @Test("a SERVING health answer is the two bytes 08 01 and an empty check is zero bytes")
  func healthBytes() throws {
    #expect(Health.HealthCheckResponse(status: .serving).encoded() == bytes("08 01"))
    #expect(try Health.HealthCheckResponse(decoding: bytes("08 01")).status == .serving)
    #expect(try Health.HealthCheckRequest(decoding: []) == Health.HealthCheckRequest())
    #expect(try roundTripped(Health.HealthCheckRequest(service: "x")).service == "x")
  }

  @Test("bytes messages of all three packages share one encoding", arguments: [0, 1, 3 << 20])
  func bytesMessages(count: Int) throws {
    let data = patternBytes(count: count)
    let tunnel = Control.BytesMessage(data: data)
    let tar = FileSync.BytesMessage(data: data)
    let agent = SSHForward.BytesMessage(data: data)

    #expect(tunnel.encoded() == tar.encoded())
    #expect(agent.encoded() == tar.encoded())
    #expect(try tar.encoded().withUnsafeBytes { try FileSync.BytesMessage(decoding: $0) } == tar)
  }

  @Test("a bytes message encodes its data as field 1")
  func bytesMessageBytes() {
    #expect(FileSync.BytesMessage(data: [0xAB, 0xCD]).encoded() == bytes("0A 02 AB CD"))
    #expect(FileSync.BytesMessage().encoded().isEmpty)
  }

  @Test("the data of a bytes message is read in place, or decoded when encoded otherwise")
  func bytesMessageData() throws {
    for count in [0, 1, 127, 128, 70_000] {
      let data = patternBytes(count: count)
      let encoded = FileSync.BytesMessage(data: data).encoded()
      #expect(Array(try FileSync.BytesMessage.data(of: encoded)) == data, "\(count) bytes")
    }
    // A non-minimal length varint (2 as 82 00) is still read in place; an unknown field after
    // the data sends the message through the decoder; a length beyond the bytes is refused.
    #expect(Array(try FileSync.BytesMessage.data(of: bytes("0A 82 00 AB CD"))) == bytes("AB CD"))
    #expect(Array(try FileSync.BytesMessage.data(of: bytes("0A 01 AB 10 05"))) == bytes("AB"))
    #expect(throws: BuildKitError.self) { try FileSync.BytesMessage.data(of: bytes("0A 05 AB")) }
  }

  @Test("auth messages round-trip")
  func authRoundTrips() throws {
    let credentials = SessionAuth.CredentialsResponse(username: "user", secret: "pässword")
    let fetch = SessionAuth.FetchTokenRequest(
      clientID: "buildkit-client",
      host: "registry.test:5000",
      realm: "https://auth.test/token",
      service: "registry.test",
      scopes: ["repository:a:pull", "repository:a:pull,push"]
    )
    let token = SessionAuth.FetchTokenResponse(token: "t", expiresIn: 300, issuedAt: 1_700_000_000)
    let authority = SessionAuth.GetTokenAuthorityRequest(host: "h", salt: [1, 2, 3])
    let key = SessionAuth.GetTokenAuthorityResponse(publicKey: patternBytes(count: 32))
    let verify = SessionAuth.VerifyTokenAuthorityRequest(host: "h", payload: [9], salt: [8])
    let signed = SessionAuth.VerifyTokenAuthorityResponse(signed: patternBytes(count: 65))

    #expect(try roundTripped(SessionAuth.CredentialsRequest(host: "h")).host == "h")
    #expect(try roundTripped(credentials) == credentials)
    #expect(try roundTripped(fetch) == fetch)
    #expect(try roundTripped(token) == token)
    #expect(try roundTripped(authority) == authority)
    #expect(try roundTripped(key) == key)
    #expect(try roundTripped(verify) == verify)
    #expect(try roundTripped(signed) == signed)
  }

  @Test("secrets and SSH messages round-trip")
  func secretsAndSSH() throws {
    let request = Secrets.GetSecretRequest(id: "GIT_AUTH_TOKEN", annotations: ["a": "b"])
    let secret = Secrets.GetSecretResponse(data: Array("s3cr3t".utf8))

    #expect(try roundTripped(request) == request)
    #expect(try roundTripped(secret) == secret)
    #expect(try roundTripped(SSHForward.CheckAgentRequest(id: "default")).id == "default")
    #expect(SSHForward.CheckAgentResponse().encoded().isEmpty)
  }
}
