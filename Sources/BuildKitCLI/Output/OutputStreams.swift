import Foundation

/// Where a command writes: results to stdout, diagnostics to stderr.
struct OutputStreams: Sendable {
  let writeOut: @Sendable (String) -> Void
  let writeError: @Sendable (String) -> Void

  static let standard = OutputStreams(
    writeOut: { text in FileHandle.standardOutput.write(Data(text.utf8)) },
    writeError: { text in FileHandle.standardError.write(Data(text.utf8)) }
  )

  /// Writes a line of results.
  func print(_ line: String) { self.writeOut(line + "\n") }

  /// Writes a line of diagnostics.
  func printError(_ line: String) { self.writeError(line + "\n") }
}
