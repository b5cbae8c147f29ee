import BuildKit
import Foundation

/// `buildkit build`: runs a build the way `buildctl build` does, with the same flags, and shows
/// the daemon's progress on stderr.
enum BuildCommand: Command {
  static let name = "build"
  static let abstract = "Build with a frontend (a Dockerfile by default) and export the result."
  static let options = BuildInvocation.options

  static func run(_ arguments: ParsedArguments, context: CommandContext) async throws -> Int32 {
    let invocation = try BuildInvocation(
      arguments, environment: context.environment, command: self.name)
    let global = try GlobalOptions(arguments, environment: context.environment, command: self.name)
    if invocation.isMultiPlatform {
      return try await MultiPlatformCommand.run(invocation, global: global, context: context)
    }
    let mode = try ProgressMode(parsing: invocation.progress)
      .resolved(outputIsTerminal: isatty(STDERR_FILENO) != 0)
    let client = try await global.connectedClient()
    defer { client.close() }

    let output = context.output
    let printer = SharedProgressPrinter(
      mode.makePrinter(width: Terminal.width(), sink: { output.writeError($0) })
    )
    do {
      let (result, _) = try await client.build(invocation.request) { updates in
        await Self.render(updates, on: printer, ticking: mode == .tty)
      }
      if let path = invocation.metadataFile {
        try MetadataFile.write(result.exporterResponse, to: path)
      }
    } catch let error as BuildKitError {
      if let failure = error.cause as? SolveFailure {
        output.writeError(failure.renderedReport())
        return 1
      }
      throw error
    }
    return 0
  }

  /// Feeds progress batches to the printer, with a clock tick for live redraws, until the
  /// build's status stream ends.
  static func render(
    _ updates: AsyncStream<Control.StatusResponse>,
    on printer: SharedProgressPrinter,
    ticking: Bool
  ) async {
    await withTaskGroup(of: Void.self) { group in
      if ticking {
        group.addTask {
          while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(150))
            printer.tick()
          }
        }
      }
      for await update in updates {
        printer.update(update)
      }
      group.cancelAll()
    }
    printer.finish()
  }
}

/// The terminal's size, for the live progress display.
enum Terminal {
  static func width() -> Int {
    var size = winsize()
    guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
    return Int(size.ws_col)
  }
}

/// The `--metadata-file` JSON: the exporter response, with values that hold base64-encoded JSON
/// (such as `containerimage.descriptor`) decoded into objects, as buildctl writes it.
enum MetadataFile {
  static func write(_ response: [String: String], to path: String) throws {
    var object: [String: Any] = [:]
    for (key, value) in response {
      if let data = Data(base64Encoded: value),
        let decoded = try? JSONSerialization.jsonObject(with: data),
        decoded is [String: Any] || decoded is [Any]
      {
        object[key] = decoded
      } else {
        object[key] = value
      }
    }
    let data = try JSONSerialization.data(
      withJSONObject: object,
      options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    )
    do {
      try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw BuildKitError(
        code: .io, message: "cannot write the metadata file \(path)", cause: error)
    }
  }
}
