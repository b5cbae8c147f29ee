/// Random identifiers for sessions and build refs.
public enum Identifiers {
  private static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")

  /// A random 25-character base-36 identifier, like BuildKit's own ids; never contains `:`.
  public static func random() -> String {
    var generator = SystemRandomNumberGenerator()
    return String((0..<25).map { _ in Self.alphabet[Int(generator.next() % 36)] })
  }
}
