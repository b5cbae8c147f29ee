/// How build progress is shown, as chosen with `--progress`.
public enum ProgressMode: String, Sendable, Hashable, CaseIterable {
  /// ``tty`` when the output is a terminal, else ``plain``.
  case auto
  /// A live display redrawn in place.
  case tty
  /// Numbered text blocks, one line per event.
  case plain
  /// One JSON object per status batch.
  case rawjson
  /// Nothing.
  case quiet

  /// Parses a mode name.
  /// - Parameter text: One of `auto`, `tty`, `plain`, `rawjson` or `quiet`.
  /// - Throws: ``BuildKitError`` with code ``BuildKitError/Code/invalidArgument`` when `text`
  ///   names no mode.
  public init(parsing text: String) throws(BuildKitError) {
    guard let mode = ProgressMode(rawValue: text) else {
      let names = ProgressMode.allCases.map(\.rawValue).joined(separator: ", ")
      throw BuildKitError(
        code: .invalidArgument,
        message: "The progress mode '\(text)' is unknown; use one of \(names)."
      )
    }
    self = mode
  }

  /// The mode to use once it is known whether the output is a terminal.
  /// - Parameter outputIsTerminal: Whether progress goes to a terminal.
  /// - Returns: ``tty`` or ``plain`` for ``auto``; any other mode unchanged.
  public func resolved(outputIsTerminal: Bool) -> ProgressMode {
    guard self == .auto else { return self }
    return outputIsTerminal ? .tty : .plain
  }
}
