import BuildKit
import Foundation
import GRPC

/// The options every command that talks to a daemon takes, spelled as buildctl spells them.
struct GlobalOptions {
  static let specs: [OptionSpec] = [
    OptionSpec(
      ["--addr"],
      .value,
      valueName: "ADDRESS",
      help: "buildkitd address (default $BUILDKIT_HOST, then \(Self.defaultAddress))"
    ),
    OptionSpec(["--tlscacert"], .value, valueName: "FILE", help: "CA certificate for TLS"),
    OptionSpec(["--tlscert"], .value, valueName: "FILE", help: "client certificate for mutual TLS"),
    OptionSpec(["--tlskey"], .value, valueName: "FILE", help: "client key for mutual TLS"),
    OptionSpec(["--tlsservername"], .value, valueName: "NAME", help: "server name to verify"),
    OptionSpec(
      ["--tlsdir"],
      .value,
      valueName: "DIR",
      help: "directory with ca.pem, cert.pem and key.pem"
    ),
    OptionSpec(
      ["--timeout"],
      .value,
      valueName: "SECONDS",
      help: "how long to try to connect (default 5)"
    ),
    OptionSpec(["--wait"], .flag, help: "wait for the daemon instead of failing at once"),
    OptionSpec(["--debug"], .flag, help: "log library activity to stderr"),
  ]

  static let defaultAddress = "unix:///run/buildkit/buildkitd.sock"

  var address: String
  var tls: TLSConfiguration?
  var timeout: Duration
  var wait: Bool
  var debug: Bool

  /// Reads the global options, validating them before anything connects.
  /// - Throws: ``UsageError`` for malformed values, ``BuildKitError`` for unreadable TLS files.
  init(_ arguments: ParsedArguments, environment: [String: String], command: String) throws {
    self.address = arguments.value("addr") ?? environment["BUILDKIT_HOST"] ?? Self.defaultAddress
    if let text = arguments.value("timeout") {
      guard let seconds = Double(text), seconds > 0 else {
        throw UsageError(
          "--timeout takes a positive number of seconds, not \"\(text)\"", command: command)
      }
      self.timeout = .milliseconds(Int64(seconds * 1000))
    } else {
      self.timeout = .seconds(5)
    }
    self.wait = arguments.flag("wait")
    self.debug = arguments.flag("debug")

    self.tls = try Self.tls(
      caFile: arguments.value("tlscacert"), certificateFile: arguments.value("tlscert"),
      keyFile: arguments.value("tlskey"), serverName: arguments.value("tlsservername"),
      directory: arguments.value("tlsdir"), option: "--tlsdir", command: command)
  }

  /// TLS settings from buildctl's TLS options, or nil when none is given.
  ///
  /// Files named on their own win over those a TLS directory holds (`ca.pem`, `cert.pem`,
  /// `key.pem`).
  /// - Parameters:
  ///   - option: How the directory was given, for the error that it is not one.
  /// - Throws: ``UsageError`` when `directory` is not a directory, ``BuildKitError`` for
  ///   unreadable TLS files.
  static func tls(
    caFile: String?, certificateFile: String?, keyFile: String?, serverName: String?,
    directory: String?, option: String, command: String
  ) throws -> TLSConfiguration? {
    var ca = caFile
    var cert = certificateFile
    var key = keyFile
    if let directory {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
        isDirectory.boolValue
      else {
        throw UsageError("\(option) \(directory) is not a directory", command: command)
      }
      func file(_ name: String) -> String? {
        let path = (directory as NSString).appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: path) ? path : nil
      }
      ca = ca ?? file("ca.pem")
      cert = cert ?? file("cert.pem")
      key = key ?? file("key.pem")
    }
    guard ca != nil || cert != nil || key != nil || serverName != nil else { return nil }
    do {
      return try TLSConfiguration(
        caFile: ca, certificateFile: cert, keyFile: key, serverName: serverName)
    } catch {
      throw BuildKitError(code: .invalidArgument, message: error.message, cause: error)
    }
  }

  /// The logger of `--debug`: every line on stderr, with its level and the milliseconds since
  /// the process started; nil without `--debug`.
  static func debugLogger(enabled: Bool) -> Logger? {
    guard enabled else { return nil }
    let start = ContinuousClock.now
    return Logger(level: .trace) { level, line in
      let elapsed = (ContinuousClock.now - start).components
      let tenths = elapsed.seconds * 10_000 + elapsed.attoseconds / 100_000_000_000_000
      FileHandle.standardError.write(
        Data("[\(tenths / 10).\(tenths % 10) ms \(level)] \(line)\n".utf8))
    }
  }

  /// A client for the chosen daemon, connected within the timeout.
  func connectedClient() async throws -> BuildKitClient {
    let logger = Self.debugLogger(enabled: self.debug)
    let client = try BuildKitClient(
      address: self.address,
      tls: self.tls,
      logger: logger,
      connectTimeout: self.timeout
    )
    do {
      try await client.connect(timeout: self.timeout, wait: self.wait)
    } catch {
      client.close()
      throw error
    }
    return client
  }
}
