import BuildKit
import Foundation
import GRPC

/// The meaning of `buildkit build`'s flags: buildctl's own (`--frontend`, `--opt`, `--local`,
/// `--output`, ...) and the short form of a platform team's wrapper (`--context`, `--file`,
/// `--tag`, `--push`, `--target`, `--build-arg`), both turned into one ``BuildRequest``.
///
/// Everything that can be checked locally is checked here, before any connection: the
/// directories and the Dockerfile exist, outputs and secrets are well formed.
struct BuildInvocation {
  static let options: [OptionSpec] =
    [
      OptionSpec(
        ["--frontend"], .value, valueName: "NAME", help: "frontend (default dockerfile.v0)"),
      OptionSpec(
        ["--opt"], .values, valueName: "KEY=VALUE", help: "frontend option, e.g. target=prod"),
      OptionSpec(
        ["--local"], .values, valueName: "NAME=DIR", help: "local directory, e.g. context=."),
      OptionSpec(
        ["--output", "-o"],
        .values,
        valueName: "SPEC",
        help: "output, e.g. type=image,name=REF,push=true or type=local,dest=DIR"
      ),
      OptionSpec(["--no-cache"], .flag, help: "do not use the build cache"),
      OptionSpec(
        ["--progress"],
        .value,
        valueName: "MODE",
        help: "auto, tty, plain, rawjson or quiet (default $BUILDKIT_PROGRESS, then auto)"
      ),
      OptionSpec(
        ["--metadata-file"], .value, valueName: "FILE", help: "write the build result as JSON"),
      OptionSpec(
        ["--export-cache"], .values, valueName: "SPEC",
        help: "cache export, e.g. type=registry,ref=REF"),
      OptionSpec(
        ["--import-cache"], .values, valueName: "SPEC",
        help: "cache import, e.g. type=registry,ref=REF"),
      OptionSpec(
        ["--secret"], .values, valueName: "SPEC", help: "secret: id=ID,src=PATH or id=ID,env=VAR"),
      OptionSpec(
        ["--allow"], .values, valueName: "ENTITLEMENT",
        help: "allow network.host or security.insecure"),
      OptionSpec(
        ["--context"], .value, valueName: "DIR", help: "build context directory (short form)"),
      OptionSpec(
        ["--file", "-f"], .value, valueName: "PATH", help: "Dockerfile (default CONTEXT/Dockerfile)"
      ),
      OptionSpec(
        ["--tag", "-t"], .values, valueName: "REF", help: "image name to export (short form)"),
      OptionSpec(["--push"], .flag, help: "push the --tag images (short form)"),
      OptionSpec(["--target"], .value, valueName: "STAGE", help: "stage to build (short form)"),
      OptionSpec(
        ["--build-arg"], .values, valueName: "KEY=VALUE", help: "build argument (short form)"),
      OptionSpec(
        ["--platform"], .value, valueName: "LIST",
        help: "target platforms, e.g. linux/amd64,linux/arm64"),
      OptionSpec(
        ["--builder"],
        .values,
        valueName: "PLATFORM=ADDR[,tlsdir=DIR,...]",
        help: "daemon that builds one platform (default: --addr for all); tlscacert, tlscert, "
          + "tlskey, tlsservername and tlsdir fields give it TLS settings of its own"
      ),
      OptionSpec(["--arch-tags"], .flag, help: "also push per-platform tags TAG-ARCH"),
      OptionSpec(
        ["--repo"], .value, valueName: "NAME",
        help: "repository; --tag values are then tags (short form)"),
      OptionSpec(
        ["--registry"],
        .value,
        valueName: "HOST",
        help: "registry for --repo (default $BUILDKIT_REGISTRY)"
      ),
      OptionSpec(
        ["--index-type"], .value, valueName: "TYPE", help: "oci (default) or docker manifest list"),
      OptionSpec(["--push-from-client"], .flag, help: "push through this client, not the daemon"),
    ] + RegistryOptions.specs

  var request = BuildRequest()
  var progress: String
  var metadataFile: String?
  /// Target platforms, in the order given (`--platform a,b`).
  var platforms: [String] = []
  /// Daemon addresses by platform (`--builder linux/arm64=tcp://...`).
  var builders: [String: String] = [:]
  /// TLS settings of the builders that give their own (`--builder P=ADDR,tlsdir=DIR`).
  var builderTLS: [String: TLSConfiguration] = [:]
  /// This client's own registry connections (`--insecure-registry`, `--registry-cacert`).
  var registry: RegistryOptions
  /// Image references to push (`--tag`, or `--registry/--repo:--tag`).
  var tags: [String] = []
  var push = false
  var archTags = false
  var indexType = "oci"
  var pushFromClient = false

  /// Whether the build runs one solve per platform and joins the results into an index.
  var isMultiPlatform: Bool { self.platforms.count > 1 || !self.builders.isEmpty }

  private let environment: [String: String]

  init(_ arguments: ParsedArguments, environment: [String: String], command: String) throws {
    self.environment = environment
    self.registry = try RegistryOptions(arguments, command: command)
    func usage(_ message: String) -> UsageError { UsageError(message, command: command) }
    guard arguments.positionals.isEmpty else {
      throw usage(
        "unexpected argument \"\(arguments.positionals[0])\"; give directories with --local or --context"
      )
    }
    self.request.frontend = arguments.value("frontend") ?? "dockerfile.v0"
    self.progress = arguments.value("progress") ?? environment["BUILDKIT_PROGRESS"] ?? "auto"
    guard ["auto", "tty", "plain", "rawjson", "quiet"].contains(self.progress) else {
      throw usage("--progress takes auto, tty, plain, rawjson or quiet, not \"\(self.progress)\"")
    }
    self.metadataFile = arguments.value("metadata-file")

    for option in arguments.all("opt") {
      let (key, value) = try Self.keyValue(option, option: "--opt", command: command)
      self.request.frontendAttributes[key] = value
    }
    for local in arguments.all("local") {
      let (name, path) = try Self.keyValue(local, option: "--local", command: command)
      self.request.localDirectories[name] = path
    }
    try self.applyShortForm(arguments, command: command)
    if arguments.flag("no-cache") {
      self.request.frontendAttributes["no-cache"] = ""
    }
    for spec in arguments.all("output") {
      self.request.exports.append(try Self.export(spec, command: command))
    }
    for spec in arguments.all("export-cache") {
      self.request.cacheExports.append(
        try Self.cache(spec, option: "--export-cache", command: command))
    }
    for spec in arguments.all("import-cache") {
      self.request.cacheImports.append(
        try Self.cache(spec, option: "--import-cache", command: command))
    }
    for spec in arguments.all("secret") {
      let (id, source) = try Self.secret(spec, environment: environment, command: command)
      self.request.secrets[id] = source
    }
    self.request.entitlements = arguments.all("allow")
    try self.checkLocalInputs(command: command)
    self.request.sharedKey = Self.sharedKey(for: self.request.localDirectories["context"])
  }

  private mutating func applyShortForm(_ arguments: ParsedArguments, command: String) throws {
    if let target = arguments.value("target") {
      self.request.frontendAttributes["target"] = target
    }
    if let platform = arguments.value("platform") {
      self.request.frontendAttributes["platform"] = platform
      self.platforms = platform.split(separator: ",").map {
        String($0).trimmingCharacters(in: .whitespaces)
      }
    }
    for builder in arguments.all("builder") {
      let (platform, spec) = try Self.keyValue(builder, option: "--builder", command: command)
      let (address, tls) = try Self.builder(spec, command: command)
      self.builders[platform] = address
      self.builderTLS[platform] = tls
    }
    self.archTags = arguments.flag("arch-tags")
    self.pushFromClient = arguments.flag("push-from-client")
    self.indexType = arguments.value("index-type") ?? "oci"
    guard ["oci", "docker"].contains(self.indexType) else {
      throw UsageError(
        "--index-type takes oci or docker, not \"\(self.indexType)\"", command: command)
    }
    for argument in arguments.all("build-arg") {
      let (key, value) = try Self.keyValue(argument, option: "--build-arg", command: command)
      self.request.frontendAttributes["build-arg:\(key)"] = value
    }
    let context = arguments.value("context")
    if let context {
      self.request.localDirectories["context"] = context
    }
    if let file = arguments.value("file") {
      let url = URL(fileURLWithPath: file)
      self.request.localDirectories["dockerfile"] = url.deletingLastPathComponent().path
      self.request.frontendAttributes["filename"] = url.lastPathComponent
    } else if let context, self.request.localDirectories["dockerfile"] == nil {
      self.request.localDirectories["dockerfile"] = context
    }
    var tags = arguments.all("tag")
    if let repository = arguments.value("repo") {
      guard let registry = arguments.value("registry") ?? self.environment["BUILDKIT_REGISTRY"]
      else {
        throw UsageError("--repo needs --registry HOST or BUILDKIT_REGISTRY", command: command)
      }
      guard !tags.isEmpty else {
        throw UsageError("--repo needs at least one --tag TAG", command: command)
      }
      tags = tags.map { "\(registry)/\(repository):\($0)" }
    }
    self.tags = tags
    self.push = arguments.flag("push")
    if !tags.isEmpty {
      var attributes = ["name": tags.joined(separator: ",")]
      if arguments.flag("push") { attributes["push"] = "true" }
      self.request.exports.append(BuildRequest.Export(type: "image", attributes: attributes))
    } else if arguments.flag("push") {
      throw UsageError("--push needs at least one --tag to push", command: command)
    }
  }

  /// Checks before connecting that every local directory exists and, for the Dockerfile
  /// frontend, that the Dockerfile does.
  private func checkLocalInputs(command: String) throws {
    let manager = FileManager.default
    for (name, path) in self.request.localDirectories.sorted(by: { $0.key < $1.key }) {
      var isDirectory: ObjCBool = false
      guard manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue
      else {
        throw BuildKitError(
          code: .notFound,
          message: "local directory \(name)=\(path) does not exist or is not a directory"
        )
      }
    }
    guard self.request.frontend == "dockerfile.v0" else { return }
    guard let context = self.request.localDirectories["context"] else {
      throw UsageError(
        "no build context: pass --context DIR or --local context=DIR", command: command)
    }
    let directory = self.request.localDirectories["dockerfile"] ?? context
    let filename = self.request.frontendAttributes["filename"] ?? "Dockerfile"
    let path = (directory as NSString).appendingPathComponent(filename)
    guard manager.fileExists(atPath: path) else {
      throw BuildKitError(
        code: .notFound,
        message: "Dockerfile \(path) does not exist; pass --file PATH or --local dockerfile=DIR"
      )
    }
  }

  static func keyValue(_ text: String, option: String, command: String) throws(UsageError) -> (
    String, String
  ) {
    guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
      throw UsageError("\(option) takes KEY=VALUE, not \"\(text)\"", command: command)
    }
    return (String(text[..<equals]), String(text[text.index(after: equals)...]))
  }

  /// Reads the part of `--builder` after `PLATFORM=`: an address, then optional TLS fields.
  /// - Returns: The address, and the builder's own TLS settings if it gives any.
  static func builder(_ spec: String, command: String) throws -> (String, TLSConfiguration?) {
    guard let comma = spec.firstIndex(of: ",") else { return (spec, nil) }
    let address = String(spec[..<comma])
    var fields: [String: String] = [:]
    let known = ["tlscacert", "tlscert", "tlskey", "tlsservername", "tlsdir"]
    for (key, value) in try CSVFields.pairs(
      String(spec[spec.index(after: comma)...]), option: "--builder", command: command)
    {
      guard known.contains(key) else {
        throw UsageError(
          "--builder field \"\(key)\" is unknown; it takes \(known.joined(separator: ", "))",
          command: command)
      }
      fields[key] = value
    }
    let tls = try GlobalOptions.tls(
      caFile: fields["tlscacert"], certificateFile: fields["tlscert"], keyFile: fields["tlskey"],
      serverName: fields["tlsservername"], directory: fields["tlsdir"],
      option: "--builder tlsdir", command: command)
    return (address, tls)
  }

  static func export(_ spec: String, command: String) throws(UsageError) -> BuildRequest.Export {
    var attributes: [String: String] = [:]
    for (key, value) in try CSVFields.pairs(spec, option: "--output", command: command) {
      attributes[key] = value
    }
    guard var type = attributes.removeValue(forKey: "type") else {
      throw UsageError(
        "--output \"\(spec)\" has no type=; use type=image, local, tar, oci or docker",
        command: command)
    }
    if type == "registry" {
      // The daemon has no registry exporter; buildctl and buildx send an image export that pushes.
      type = "image"
      attributes["push"] = "true"
    }
    guard ["image", "local", "tar", "oci", "docker", "moby"].contains(type) else {
      throw UsageError(
        "--output type \"\(type)\" is unknown; use image, registry, local, tar, oci or docker",
        command: command)
    }
    let destination = attributes.removeValue(forKey: "dest")
    var export = BuildRequest.Export(type: type, attributes: attributes)
    switch (type, destination) {
    case ("local", let path?):
      export.destination = .directory(path)
    case ("local", nil):
      throw UsageError("--output type=local needs dest=DIR", command: command)
    case ("tar", "-"), ("oci", "-"), ("docker", "-"):
      export.destination = .standardOutput
    case ("tar", let path?), ("oci", let path?), ("docker", let path?):
      export.destination = .file(path)
    case ("tar", nil), ("oci", nil), ("docker", nil):
      if attributes["tar"] != "false" {
        throw UsageError(
          "--output type=\(type) needs dest=FILE (or dest=- for stdout)", command: command)
      }
    default:
      break
    }
    return export
  }

  static func cache(_ spec: String, option: String, command: String) throws(UsageError)
    -> BuildRequest.CacheEntry
  {
    var attributes: [String: String] = [:]
    for (key, value) in try CSVFields.pairs(spec, option: option, command: command) {
      attributes[key] = value
    }
    guard let type = attributes.removeValue(forKey: "type") else {
      throw UsageError(
        "\(option) \"\(spec)\" has no type=, e.g. type=registry,ref=REF", command: command)
    }
    return BuildRequest.CacheEntry(type: type, attributes: attributes)
  }

  static func secret(
    _ spec: String,
    environment: [String: String],
    command: String
  ) throws -> (String, SecretSource) {
    var fields: [String: String] = [:]
    for (key, value) in try CSVFields.pairs(spec, option: "--secret", command: command) {
      fields[key] = value
    }
    guard let id = fields["id"], !id.isEmpty else {
      throw UsageError("--secret \"\(spec)\" needs id=ID", command: command)
    }
    if let path = fields["src"] ?? fields["source"] {
      guard FileManager.default.isReadableFile(atPath: path) else {
        throw BuildKitError(code: .notFound, message: "secret \(id): file \(path) cannot be read")
      }
      return (id, .file(path))
    }
    let variable = fields["env"] ?? id
    guard environment[variable] != nil else {
      throw BuildKitError(
        code: .notFound, message: "secret \(id): environment variable \(variable) is not set")
    }
    return (id, .environment(variable))
  }

  /// A key that is stable for one context directory on one machine, so the daemon reuses its
  /// copy of the context and only changed files travel again.
  static func sharedKey(for context: String?) -> String {
    guard let context else { return "" }
    let absolute = URL(fileURLWithPath: context).standardizedFileURL.path
    let machine =
      (try? String(contentsOfFile: "/etc/machine-id", encoding: .utf8))?
      .trimmingCharacters(in: .whitespacesAndNewlines) ?? ProcessInfo.processInfo.hostName
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in (machine + "\u{0}" + absolute).utf8 {
      hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
    }
    return (absolute as NSString).lastPathComponent + ":" + String(hash, radix: 16)
  }
}
