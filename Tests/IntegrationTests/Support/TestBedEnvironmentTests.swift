import Foundation
import Testing

@Suite("The test bed's environment")
struct TestBedEnvironmentTests {
  /// Every required variable, each with a value derived from its name.
  static let complete: [String: String] = Dictionary(
    uniqueKeysWithValues: TestBed.requiredVariables.map { ($0, "value-of-\($0)") })

  @Test("single-quoted values, escaped quotes and comments of the env file are read")
  func parsesEnvFile() throws {
    let text = """
      # written by Scripts/testbed
      export BUILDKIT_TEST_ADDR_UNIX='unix:///state dir/a/buildkitd.sock'

      export BUILDKIT_TEST_REGISTRY_PASSWORD='it'\\''s'
      PLAIN=word
      """
    let variables = try TestBed.parseEnvFile(text)
    #expect(
      variables == [
        "BUILDKIT_TEST_ADDR_UNIX": "unix:///state dir/a/buildkitd.sock",
        "BUILDKIT_TEST_REGISTRY_PASSWORD": "it's",
        "PLAIN": "word",
      ])
  }

  @Test(
    "an env file line that is not NAME='value' is refused",
    arguments: [
      "export A='open", "just words", "=value",
    ])
  func refusesMalformedLines(_ line: String) {
    let error = #expect(throws: TestBedError.self) { try TestBed.parseEnvFile(line) }
    #expect(error?.code == .malformedEnvFile)
  }

  @Test("a complete environment gives every address and path")
  func readsCompleteEnvironment() throws {
    var environment = Self.complete
    environment["BUILDKIT_TEST_TLS_DIR"] = "/state/tls"
    environment["BUILDKIT_TEST_STATE_DIR"] = "/state"
    environment["BUILDKIT_TEST_TLS_WRONG_CA"] = "/state/tls-wrong/ca.pem"
    let bed = try TestBed(environment: environment)
    #expect(bed.unixAddress == "value-of-BUILDKIT_TEST_ADDR_UNIX")
    #expect(bed.registryPassword == "value-of-BUILDKIT_TEST_REGISTRY_PASSWORD")
    #expect(bed.tls.certificatePath == "/state/tls/cert.pem")
    #expect(bed.wrongTLS.keyPath == "/state/tls-wrong/key.pem")
    #expect(bed.daemonA.configPath == "/state/a/buildkitd.toml")
    #expect(bed.daemonA.pidFile == "/state/a/pid")
    #expect(bed.arm64Platform == "linux/arm64")
    #expect(
      bed.buildctlArguments(for: .tls) == [
        "--addr", "value-of-BUILDKIT_TEST_ADDR_TLS", "--tlscacert", "/state/tls/ca.pem",
        "--tlscert", "/state/tls/cert.pem", "--tlskey", "/state/tls/key.pem", "--tlsservername",
        "value-of-BUILDKIT_TEST_TLS_SERVERNAME",
      ])
  }

  @Test("an environment that lacks some variables is an error naming them")
  func namesMissingVariables() {
    var environment = Self.complete
    environment["BUILDKIT_TEST_ADDR_TLS"] = nil
    environment["BUILDKIT_TEST_REGISTRY_CA"] = ""
    let error = #expect(throws: TestBedError.self) { try TestBed(environment: environment) }
    #expect(error?.code == .incomplete)
    #expect(error?.message.contains("BUILDKIT_TEST_ADDR_TLS, BUILDKIT_TEST_REGISTRY_CA") == true)
  }

  @Test("without variables and without an env file the test bed is absent and says how to start")
  func reportsAbsence() throws {
    let result = TestBed.find(environment: [:], defaultEnvFile: "/nonexistent/.testbed/env")
    #expect(throws: TestBedError.self) { try result.get() }
    guard case .failure(let error) = result else { return }
    #expect(error.code == .absent)
    #expect(error.message.contains("Scripts/testbed start"))
  }

  @Test("without variables the env file of the state folder is read")
  func readsTheEnvFile() throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("testbed-env-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("env")
    let text = Self.complete.sorted { $0.key < $1.key }
      .map { "export \($0.key)='\($0.value)'" }.joined(separator: "\n")
    try Data(text.utf8).write(to: file)

    let bed = try TestBed.find(environment: [:], defaultEnvFile: file.path).get()
    #expect(bed.tcpAddress == "value-of-BUILDKIT_TEST_ADDR_TCP")
    let named = try TestBed.find(
      environment: ["BUILDKIT_TEST_ENV_FILE": file.path], defaultEnvFile: "/nonexistent"
    ).get()
    #expect(named.tcpAddress == "value-of-BUILDKIT_TEST_ADDR_TCP")
  }
}
