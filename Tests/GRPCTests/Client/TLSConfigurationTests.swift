import Foundation
import GRPC
import Testing

@Suite("TLSConfiguration")
struct TLSConfigurationTests {
  @Test("names a missing certificate file in its error")
  func namesMissingFile() {
    #expect {
      try TLSConfiguration(caFile: "/nonexistent/ca.pem", certificateFile: nil, keyFile: nil)
    } throws: { error in
      (error as? GRPCError)?.message.contains("/nonexistent/ca.pem") == true
    }
  }

  @Test("refuses a client certificate without its key")
  func refusesCertificateWithoutKey() {
    #expect {
      try TLSConfiguration(caFile: nil, certificateFile: "/tmp/cert.pem", keyFile: nil)
    } throws: { error in
      (error as? GRPCError)?.message.contains("--tlskey") == true
    }
  }

  @Test("refuses a file that holds no PEM block")
  func refusesNonPEMFile() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-pem-\(getpid())")
    try "hello".write(to: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: path) }
    #expect {
      try TLSConfiguration(caFile: path.path, certificateFile: nil, keyFile: nil)
    } throws: { error in
      (error as? GRPCError)?.message.contains("no PEM block") == true
    }
  }

  @Test("reads PEM files into the configuration")
  func readsPEMFiles() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ca-\(getpid()).pem")
    let pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    try pem.write(to: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: path) }
    let tls = try TLSConfiguration(
      caFile: path.path,
      certificateFile: nil,
      keyFile: nil,
      serverName: "buildkitd"
    )
    #expect(tls.trustedCertificates == pem)
    #expect(tls.serverName == "buildkitd")
  }
}
