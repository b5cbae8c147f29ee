// The `WWW-Authenticate` response header (RFC 7235) as registries send it.
//
// A header holds one or more challenges separated by commas. Each challenge is an
// authentication scheme followed by comma-separated `name=value` parameters, where a value is a
// token or a double-quoted string in which a backslash escapes the next character:
//
//     Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a:pull"
//     Basic realm="Registry Realm"
//
// Registries use `Bearer` to send clients to a token server (`realm`) with a `service` name and
// the `scope` they need, and `Basic` to ask for a user name and password on every request.

/// One challenge from a `WWW-Authenticate` header.
public struct AuthChallenge: Hashable, Sendable {
  /// The scheme, lowercased: `bearer` or `basic` for registries.
  public var scheme: String
  /// The parameters, with lowercased names: `realm`, `service`, `scope`, `error`, ...
  public var parameters: [String: String]

  /// Creates a challenge.
  /// - Parameters:
  ///   - scheme: The scheme; it is lowercased.
  ///   - parameters: The parameters; their names are lowercased.
  public init(scheme: String, parameters: [String: String] = [:]) {
    self.scheme = scheme.lowercased()
    self.parameters = Dictionary(
      parameters.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
  }

  /// The `realm` parameter: the token endpoint for `bearer`.
  public var realm: String? { self.parameters["realm"] }
  /// The `service` parameter of a `bearer` challenge.
  public var service: String? { self.parameters["service"] }
  /// The scopes of a `bearer` challenge's `scope` parameter (space-separated in the header).
  public var scopes: [String] {
    guard let scope = self.parameters["scope"] else {
      return []
    }
    return scope.split(separator: " ").map(String.init)
  }

  /// Parses every challenge in a `WWW-Authenticate` header value.
  /// - Parameter header: The header value.
  /// - Returns: The challenges in order; empty if the header holds none that parse.
  public static func parse(_ header: String) -> [AuthChallenge] {
    var scanner = HeaderScanner(Array(header.utf8))
    var challenges: [AuthChallenge] = []
    while true {
      scanner.skip {
        $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: ",")
      }
      guard let scheme = scanner.token() else {
        break
      }
      var parameters: [String: String] = [:]
      while true {
        let mark = scanner.position
        scanner.skip {
          $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: ",")
        }
        let nameMark = scanner.position
        guard let name = scanner.token() else {
          scanner.position = mark
          break
        }
        scanner.skipSpaces()
        guard scanner.peek() == UInt8(ascii: "=") else {
          // A token without `=` starts the next challenge (or is a token68, which registries do
          // not use): leave it for the outer loop.
          scanner.position = nameMark
          break
        }
        scanner.advance()
        scanner.skipSpaces()
        let value: String
        if scanner.peek() == UInt8(ascii: "\"") {
          value = scanner.quotedString()
        } else {
          value = scanner.unquotedValue()
        }
        let key = name.lowercased()
        if parameters[key] == nil {
          parameters[key] = value
        }
      }
      challenges.append(AuthChallenge(scheme: scheme, parameters: parameters))
    }
    return challenges
  }
}

/// A cursor over header bytes.
private struct HeaderScanner {
  let bytes: [UInt8]
  var position = 0

  init(_ bytes: [UInt8]) {
    self.bytes = bytes
  }

  func peek() -> UInt8? {
    self.position < self.bytes.count ? self.bytes[self.position] : nil
  }

  mutating func advance() {
    self.position += 1
  }

  mutating func skip(while predicate: (UInt8) -> Bool) {
    while let byte = self.peek(), predicate(byte) { self.position += 1 }
  }

  mutating func skipSpaces() {
    self.skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
  }

  /// An RFC 7230 token: visible ASCII except separators.
  mutating func token() -> String? {
    let start = self.position
    self.skip { byte in
      byte > 0x20 && byte < 0x7f && !"()<>@,;:\\\"/[]?={}".utf8.contains(byte)
    }
    guard self.position > start else {
      return nil
    }
    return String(decoding: self.bytes[start..<self.position], as: UTF8.self)
  }

  /// An unquoted parameter value: everything up to the next comma or space. This is laxer than
  /// a token so that values such as an unquoted realm URL survive.
  mutating func unquotedValue() -> String {
    let start = self.position
    self.skip { $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
    return String(decoding: self.bytes[start..<self.position], as: UTF8.self)
  }

  /// A quoted string starting at the opening quote; backslash escapes the next byte.
  mutating func quotedString() -> String {
    self.advance()
    var value: [UInt8] = []
    while let byte = self.peek() {
      self.advance()
      if byte == UInt8(ascii: "\\"), let next = self.peek() {
        value.append(next)
        self.advance()
        continue
      }
      if byte == UInt8(ascii: "\"") {
        break
      }
      value.append(byte)
    }
    return String(decoding: value, as: UTF8.self)
  }
}
