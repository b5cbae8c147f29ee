import BuildKit
import Foundation
import GRPC
import OCI

/// `buildkit build` with several platforms (or with `--builder`): one solve per platform, each
/// on its own daemon, all at once, then one index pushed under every tag.
///
/// Progress of all platforms is interleaved on stderr, every line prefixed with its platform
/// (the live display falls back to prefixed plain text, since several builds cannot share one
/// redrawn screen). `--metadata-file` records each platform's digest and the index's.
enum MultiPlatformCommand {
  /// Runs the build described by `invocation`.
  /// - Returns: The exit code: 0, or 1 when a platform or a push failed.
  static func run(_ invocation: BuildInvocation, global: GlobalOptions, context: CommandContext)
    async throws -> Int32
  {
    let plan = try Plan(invocation, command: BuildCommand.name)
    let registry = invocation.registry.client(environment: context.environment)
    let builders = try BuilderSet(
      defaultAddress: global.address, platformAddresses: plan.addresses, tls: global.tls,
      platformTLS: plan.tls, logger: GlobalOptions.debugLogger(enabled: global.debug))
    defer { builders.close() }
    try await builders.connect(
      for: plan.build.platforms, timeout: global.timeout, wait: global.wait)

    let output = context.output
    let mode = try ProgressMode(parsing: invocation.progress)
      .resolved(outputIsTerminal: isatty(STDERR_FILENO) != 0)
    let progress = Progress(platforms: plan.build.platforms, mode: mode, output: output)
    let builder = MultiPlatformBuilder(builders: builders, registry: registry)

    let result: MultiPlatformResult
    do {
      result = try await progress.whileTicking {
        try await builder.run(plan.build) { event in progress.handle(event) }
      }
    } catch let error as BuildKitError {
      progress.finish()
      guard let failure = error.cause as? PlatformBuildFailure,
        let solve = failure.error.cause as? SolveFailure
      else {
        throw error
      }
      output.writeError(Self.prefixed(solve.renderedReport(), with: "[\(failure.platform)] "))
      output.printError("error: \(error.message)")
      return 1
    }
    progress.finish()

    if mode != .quiet {
      for platform in result.platforms {
        output.printError("[\(platform.platform)] \(platform.manifest.digest)")
      }
      let tags = result.tags.map(\.description).joined(separator: ", ")
      output.printError("index \(result.index.descriptor.digest) pushed to \(tags)")
    }
    if let path = invocation.metadataFile {
      try Self.writeMetadata(result, to: path)
    }
    return 0
  }

  // MARK: - Plan

  /// The multi-platform build the flags describe.
  struct Plan: Sendable {
    var build: MultiPlatformBuild
    var addresses: [Platform: String]
    /// The builders' own TLS settings, for those that give them.
    var tls: [Platform: TLSConfiguration]

    init(_ invocation: BuildInvocation, command: String) throws {
      func usage(_ message: String) -> UsageError { UsageError(message, command: command) }

      var addresses: [Platform: String] = [:]
      var tls: [Platform: TLSConfiguration] = [:]
      for (text, address) in invocation.builders.sorted(by: { $0.key < $1.key }) {
        let platform = try Self.platform(text, option: "--builder", command: command)
        addresses[platform] = address
        tls[platform] = invocation.builderTLS[text]
      }
      var platforms: [Platform] = []
      for text in invocation.platforms where !text.isEmpty {
        platforms.append(try Self.platform(text, option: "--platform", command: command))
      }
      if platforms.isEmpty {
        platforms = addresses.keys.sorted { $0.description < $1.description }
      }
      for platform in addresses.keys where !platforms.contains(platform) {
        throw usage("--builder names \(platform), which --platform does not list")
      }

      var request = invocation.request
      request.frontendAttributes["platform"] = nil
      var tags = invocation.tags
      var pushes = invocation.push
      var exportAttributes: [String: String] = [:]
      let tagExport = tags.joined(separator: ",")
      for export in request.exports {
        guard export.type == "image", let names = export.attributes["name"] else {
          throw usage(
            "--output type=\(export.type) cannot be used with several platforms; a "
              + "multi-platform build pushes an index with --tag and --push")
        }
        var attributes = export.attributes
        if names != tagExport {
          guard attributes["push"] == "true" || attributes["push"] == "" else {
            throw usage("--output type=image with several platforms needs push=true")
          }
          tags += names.split(separator: ",").map(String.init)
          pushes = true
        }
        for key in ["name", "push", "push-by-digest"] { attributes[key] = nil }
        exportAttributes.merge(attributes) { _, new in new }
      }
      request.exports = []
      guard pushes, !tags.isEmpty else {
        throw usage(
          "a multi-platform build pushes its images: add --push with --tag REF (or --repo and "
            + "--registry)")
      }
      var references: [ImageReference] = []
      for tag in tags {
        do {
          references.append(try ImageReference(parsing: tag))
        } catch {
          throw usage("--tag \(tag): \((error as? OCIError)?.message ?? "\(error)")")
        }
      }
      self.build = MultiPlatformBuild(
        request: request,
        platforms: platforms,
        tags: references,
        archTags: invocation.archTags,
        indexFormat: invocation.indexType == "docker" ? .dockerManifestList : .oci,
        pushMode: invocation.pushFromClient ? .client : .daemon,
        exportAttributes: exportAttributes)
      self.addresses = addresses
      self.tls = tls
    }

    static func platform(_ text: String, option: String, command: String) throws -> Platform {
      do {
        return try Platform(parsing: text)
      } catch {
        throw UsageError(
          "\(option) \(text): \((error as? OCIError)?.message ?? "\(error)")", command: command)
      }
    }
  }

  // MARK: - Progress

  /// One progress printer per platform, driven from the build's events.
  final class Progress: Sendable {
    private let printers: [Platform: SharedProgressPrinter]
    private let output: OutputStreams
    private let quiet: Bool

    init(platforms: [Platform], mode: ProgressMode, output: OutputStreams) {
      // A live display redraws one screen; several builds share the terminal as prefixed text.
      let shown: ProgressMode = mode == .tty || mode == .auto ? .plain : mode
      var printers: [Platform: SharedProgressPrinter] = [:]
      for platform in platforms {
        let printer = shown.makePrinter(prefix: "[\(platform)] ") { output.writeError($0) }
        printers[platform] = SharedProgressPrinter(printer)
      }
      self.printers = printers
      self.output = output
      self.quiet = mode == .quiet || mode == .rawjson
    }

    func handle(_ event: MultiPlatformEvent) {
      switch event {
      case .status(let platform, let update):
        self.printers[platform]?.update(update)
      case .imagePushed(let platform, let descriptor):
        guard !self.quiet else { return }
        self.printers[platform]?.tick()
        self.output.printError("[\(platform)] image \(descriptor.digest) is in the registry")
      case .tagPushed(let reference, let descriptor):
        guard !self.quiet else { return }
        self.output.printError("pushed \(reference) (\(descriptor.digest))")
      }
    }

    /// Runs `body` while ticking every printer, so held-back lines appear without new events.
    func whileTicking<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
          while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(150))
            for printer in self.printers.values { printer.tick() }
          }
        }
        defer { group.cancelAll() }
        return try await body()
      }
    }

    func finish() {
      for (_, printer) in self.printers.sorted(by: { $0.key.description < $1.key.description }) {
        printer.finish()
      }
    }
  }

  private static func prefixed(_ text: String, with prefix: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false)
      .map { $0.isEmpty ? "" : prefix + $0 }
      .joined(separator: "\n")
  }

  // MARK: - Metadata

  /// The `--metadata-file` JSON: the index as `containerimage.digest` and
  /// `containerimage.descriptor` (as buildctl writes them for one image), the tags as
  /// `image.name`, and under `platforms` each platform's digest, config digest, descriptor,
  /// builder and build ref.
  static func metadata(of result: MultiPlatformResult) -> [String: Any] {
    func descriptor(_ descriptor: Descriptor) -> [String: Any] {
      var object: [String: Any] = [
        "mediaType": descriptor.mediaType, "digest": descriptor.digest.description,
        "size": descriptor.size,
      ]
      if let platform = descriptor.platform {
        object["platform"] = ["os": platform.os, "architecture": platform.architecture]
          .merging(platform.variant.map { ["variant": $0] } ?? [:]) { $1 }
      }
      return object
    }
    var platforms: [String: Any] = [:]
    for outcome in result.platforms {
      var entry: [String: Any] = [
        "containerimage.digest": outcome.manifest.digest.description,
        "containerimage.config.digest": outcome.configDigest.description,
        "containerimage.descriptor": descriptor(outcome.manifest),
        "builder": outcome.builder,
        "ref": outcome.ref,
      ]
      if !outcome.attestations.isEmpty {
        entry["attestations"] = outcome.attestations.map { $0.digest.description }
      }
      if !outcome.tags.isEmpty {
        entry["tags"] = outcome.tags.map(\.description)
      }
      platforms[outcome.platform.description] = entry
    }
    return [
      "containerimage.digest": result.index.descriptor.digest.description,
      "containerimage.descriptor": descriptor(result.index.descriptor),
      "image.name": result.tags.map(\.description).joined(separator: ","),
      "platforms": platforms,
    ]
  }

  private static func writeMetadata(_ result: MultiPlatformResult, to path: String) throws {
    do {
      let data = try JSONSerialization.data(
        withJSONObject: Self.metadata(of: result),
        options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
      try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw BuildKitError(
        code: .io, message: "cannot write the metadata file \(path)", cause: error)
    }
  }
}
