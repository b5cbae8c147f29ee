import OCI
import Testing

@Suite("AuthChallenge")
struct AuthChallengeTests {
  @Test("a Bearer challenge yields its realm, service and scope")
  func bearer() throws {
    let challenges = AuthChallenge.parse(
      #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#
    )
    let challenge = try #require(challenges.first)
    #expect(challenges.count == 1)
    #expect(challenge.scheme == "bearer")
    #expect(challenge.realm == "https://auth.docker.io/token")
    #expect(challenge.service == "registry.docker.io")
    #expect(challenge.scopes == ["repository:library/alpine:pull"])
  }

  @Test("a Basic challenge yields its realm")
  func basic() {
    #expect(
      AuthChallenge.parse(#"Basic realm="Registry Realm""#)
        == [AuthChallenge(scheme: "basic", parameters: ["realm": "Registry Realm"])])
  }

  @Test("several challenges in one header are all returned in order")
  func several() {
    let challenges = AuthChallenge.parse(
      #"Basic realm="a", Bearer realm="https://t.example/token", service="svc" , Negotiate"#)
    #expect(challenges.map(\.scheme) == ["basic", "bearer", "negotiate"])
    #expect(challenges[1].realm == "https://t.example/token")
    #expect(challenges[1].service == "svc")
    #expect(challenges[2].parameters.isEmpty)
  }

  @Test("scheme and parameter names are case-insensitive and values may be unquoted")
  func caseAndTokens() {
    let challenge = AuthChallenge.parse("BEARER Realm=https://t.example/token,SERVICE=reg.example")
    #expect(
      challenge == [
        AuthChallenge(
          scheme: "bearer",
          parameters: ["realm": "https://t.example/token", "service": "reg.example"])
      ])
  }

  @Test("quoted values keep commas and backslash-escaped quotes")
  func quoting() {
    let challenge = AuthChallenge.parse(#"Bearer realm="a,b \"c\" \\d",error="insufficient_scope""#)
    #expect(challenge.first?.realm == #"a,b "c" \d"#)
    #expect(challenge.first?.parameters["error"] == "insufficient_scope")
  }

  @Test("a scope parameter with several space-separated scopes yields each scope")
  func severalScopes() {
    let challenge = AuthChallenge.parse(
      #"Bearer realm="r",scope="repository:a:pull repository:b:pull,push""#)
    #expect(challenge.first?.scopes == ["repository:a:pull", "repository:b:pull,push"])
  }

  @Test("empty list elements between parameters are skipped")
  func emptyElements() {
    let challenges = AuthChallenge.parse(#"Bearer realm="r",, service="s" ,scope="a""#)
    #expect(challenges.count == 1)
    #expect(challenges.first?.parameters == ["realm": "r", "service": "s", "scope": "a"])
  }

  @Test("an empty or blank header yields no challenges")
  func empty() {
    #expect(AuthChallenge.parse("").isEmpty)
    #expect(AuthChallenge.parse("  , ").isEmpty)
  }
}
