import Foundation

/// A real `docker-registry` (CNCF distribution) on 127.0.0.1, started for one test and stopped
/// after it.
///
/// The registry keeps its storage, configuration, htpasswd file and log in a temporary
/// directory that is removed when it stops.
final class RegistryServer: Sendable {
  /// How the registry is set up.
  struct Options: Sendable {
    /// Require `user`/`password` through `auth.htpasswd` (bcrypt).
    var htpasswd: (user: String, password: String)?
    /// Serve TLS with this certificate and key instead of plain HTTP.
    var tls: (certificate: URL, key: URL)?

    init(
      htpasswd: (user: String, password: String)? = nil, tls: (certificate: URL, key: URL)? = nil
    ) {
      self.htpasswd = htpasswd
      self.tls = tls
    }
  }

  static let executable = "/usr/bin/docker-registry"

  let port: Int
  let directory: TemporaryDirectory
  private let process: Process

  /// `127.0.0.1:<port>`, the registry host as image references name it.
  var host: String { "127.0.0.1:\(self.port)" }

  private init(port: Int, directory: TemporaryDirectory, process: Process) {
    self.port = port
    self.directory = directory
    self.process = process
  }

  /// Starts a registry and waits until it accepts connections.
  static func start(_ options: Options = Options()) async throws -> RegistryServer {
    guard FileManager.default.isExecutableFile(atPath: RegistryServer.executable) else {
      throw SocketError(
        "\(RegistryServer.executable) is missing (install Debian's docker-registry package);"
          + " starting the registry", ENOENT)
    }
    let directory = try TemporaryDirectory("oci-registry")
    let port = try Sockets.freePort()
    let storage = directory.file("storage")
    try FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)
    var config = """
      version: 0.1
      log:
        level: warn
        accesslog:
          disabled: true
      storage:
        filesystem:
          rootdirectory: \(storage.path)
        delete:
          enabled: true
      http:
        addr: 127.0.0.1:\(port)
        secret: oci-tests-secret

      """
    if let tls = options.tls {
      config += """
          tls:
            certificate: \(tls.certificate.path)
            key: \(tls.key.path)

        """
    }
    if let credentials = options.htpasswd {
      let htpasswd = directory.file("htpasswd")
      let result = try runTool(
        "/usr/bin/htpasswd", ["-Bbn", credentials.user, credentials.password])
      guard result.status == 0 else {
        throw SocketError("htpasswd -B (package apache2-utils): \(result.errorText)", EINVAL)
      }
      try result.output.write(to: htpasswd)
      config += """
        auth:
          htpasswd:
            realm: oci-tests
            path: \(htpasswd.path)

        """
    }
    let configFile = try directory.write("config.yml", config)
    let log = directory.file("registry.log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    let logHandle = try FileHandle(forWritingTo: log)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: RegistryServer.executable)
    process.arguments = ["serve", configFile.path]
    process.standardOutput = logHandle
    process.standardError = logHandle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    try? logHandle.close()
    let server = RegistryServer(port: port, directory: directory, process: process)
    do {
      try await Sockets.waitUntilListening(port: port)
    } catch {
      let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
      server.stop()
      throw SocketError("docker-registry did not start: \(text)", ETIMEDOUT)
    }
    return server
  }

  /// Stops the registry and removes its directory.
  func stop() {
    if self.process.isRunning {
      self.process.terminate()
    }
    self.process.waitUntilExit()
    self.directory.remove()
  }

  /// Runs `body` with a started registry and stops it afterwards, also when `body` throws.
  static func with<T>(
    _ options: Options = Options(), _ body: (RegistryServer) async throws -> T
  ) async throws -> T {
    let server = try await RegistryServer.start(options)
    defer { server.stop() }
    return try await body(server)
  }
}

struct ToolResult {
  var status: Int32
  var output: Data
  var error: Data

  var outputText: String { String(decoding: self.output, as: UTF8.self) }
  var errorText: String { String(decoding: self.error, as: UTF8.self) }
}

/// Runs a command-line tool to completion. Output is collected through files so that a chatty
/// tool cannot block on a full pipe.
func runTool(_ executable: String, _ arguments: [String]) throws -> ToolResult {
  let directory = try TemporaryDirectory("oci-tool")
  defer { directory.remove() }
  let outFile = directory.file("out")
  let errFile = directory.file("err")
  _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
  _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
  let out = try FileHandle(forWritingTo: outFile)
  let err = try FileHandle(forWritingTo: errFile)
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  process.standardOutput = out
  process.standardError = err
  process.standardInput = FileHandle.nullDevice
  try process.run()
  process.waitUntilExit()
  try? out.close()
  try? err.close()
  return ToolResult(
    status: process.terminationStatus, output: try Data(contentsOf: outFile),
    error: try Data(contentsOf: errFile))
}

/// A test certificate authority and a server certificate for 127.0.0.1, made with `openssl`.
struct TestCertificates: Sendable {
  let caCertificate: URL
  let serverCertificate: URL
  let serverKey: URL

  static func make(in directory: TemporaryDirectory) throws -> TestCertificates {
    let ca = directory.file("ca.crt")
    let caKey = directory.file("ca.key")
    let key = directory.file("server.key")
    let csr = directory.file("server.csr")
    let certificate = directory.file("server.crt")
    let extensions = try directory.write(
      "server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n")
    let steps: [[String]] = [
      [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey.path, "-out", ca.path,
        "-days", "2", "-subj", "/CN=swift-buildkit test CA",
      ],
      [
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key.path, "-out", csr.path, "-subj",
        "/CN=127.0.0.1",
      ],
      [
        "x509", "-req", "-in", csr.path, "-CA", ca.path, "-CAkey", caKey.path,
        "-CAcreateserial", "-out", certificate.path, "-days", "2", "-extfile", extensions.path,
      ],
    ]
    for step in steps {
      let result = try runTool("/usr/bin/openssl", step)
      guard result.status == 0 else {
        throw SocketError("openssl \(step[0]): \(result.errorText)", EINVAL)
      }
    }
    return TestCertificates(caCertificate: ca, serverCertificate: certificate, serverKey: key)
  }
}
