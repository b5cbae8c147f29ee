import BuildKit
import Foundation
import OCI

/// The options of this client's own registry connections, which `build` (for multi-platform
/// pushes) and `imagetools` share: `--insecure-registry HOST[:PORT]` and
/// `--registry-cacert FILE`. The daemons reach registries with their own settings.
struct RegistryOptions {
  static let specs: [OptionSpec] = [
    OptionSpec(
      ["--insecure-registry"], .values, valueName: "HOST[:PORT]",
      help: "registry reached over plain HTTP or unverified TLS"),
    OptionSpec(
      ["--registry-cacert"], .value, valueName: "FILE",
      help: "PEM file of CA certificates this client trusts for registries, besides the system's"),
  ]

  /// Hosts reached over plain HTTP or unverified TLS.
  var insecureRegistries: Set<String>
  /// Extra CA certificates to trust.
  var certificateAuthorityFile: String?

  /// Reads the options, checking that a CA file can be read before anything connects.
  /// - Throws: ``UsageError`` naming a `--registry-cacert` file that cannot be read.
  init(_ arguments: ParsedArguments, command: String) throws(UsageError) {
    self.insecureRegistries = Set(arguments.all("insecure-registry"))
    self.certificateAuthorityFile = arguments.value("registry-cacert")
    if let file = self.certificateAuthorityFile, !FileManager.default.isReadableFile(atPath: file) {
      throw UsageError("--registry-cacert \(file) is not a readable file", command: command)
    }
  }

  /// A registry client with these options and the credentials of `$DOCKER_CONFIG`.
  func client(environment: [String: String]) -> RegistryClient {
    RegistryClient(
      configuration: RegistryClient.Configuration(
        credentials: CredentialStore(environment: environment),
        insecureRegistries: self.insecureRegistries,
        certificateAuthorityFile: self.certificateAuthorityFile))
  }
}
