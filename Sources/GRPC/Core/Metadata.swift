/// gRPC metadata: an ordered list of key-value pairs in which a key may repeat.
///
/// Keys are lower-case ASCII. Keys ending in `-bin` carry binary values; all others carry
/// printable ASCII. Repeated keys are sent as separate header fields, never joined.
public struct Metadata: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
  /// One key-value pair.
  public struct Entry: Sendable, Hashable {
    /// The lower-case key.
    public var key: String
    /// The raw value.
    public var value: [UInt8]

    /// The value as UTF-8 text.
    public var text: String { String(decoding: self.value, as: UTF8.self) }
  }

  private var entries: [Entry] = []

  /// Creates empty metadata.
  public init() {}

  /// Creates metadata from text pairs, in order.
  /// - Parameter elements: Key-value pairs.
  public init(dictionaryLiteral elements: (String, String)...) {
    for (key, value) in elements {
      self.append(key, value)
    }
  }

  /// Adds a text value, keeping any values already present for the key.
  /// - Parameters:
  ///   - key: The key; it is lower-cased.
  ///   - value: The text value.
  public mutating func append(_ key: String, _ value: String) {
    self.entries.append(Entry(key: key.lowercased(), value: Array(value.utf8)))
  }

  /// Adds a binary value, keeping any values already present for the key.
  /// - Parameters:
  ///   - key: The key; it is lower-cased.
  ///   - value: The raw bytes.
  public mutating func append(_ key: String, bytes value: [UInt8]) {
    self.entries.append(Entry(key: key.lowercased(), value: value))
  }

  /// Every text value for a key, in order.
  /// - Parameter key: The key to look up (any case).
  /// - Returns: The values; empty when the key is absent.
  public func values(for key: String) -> [String] {
    let key = key.lowercased()
    return self.entries.filter { $0.key == key }.map(\.text)
  }

  /// The first text value for a key.
  /// - Parameter key: The key to look up (any case).
  /// - Returns: The value, or `nil` when the key is absent.
  public func first(_ key: String) -> String? {
    let key = key.lowercased()
    return self.entries.first { $0.key == key }?.text
  }

  /// The first raw value for a key.
  /// - Parameter key: The key to look up (any case).
  /// - Returns: The bytes, or `nil` when the key is absent.
  public func firstBytes(_ key: String) -> [UInt8]? {
    let key = key.lowercased()
    return self.entries.first { $0.key == key }?.value
  }

  /// The number of entries.
  public var count: Int { self.entries.count }

  public func makeIterator() -> IndexingIterator<[Entry]> {
    self.entries.makeIterator()
  }
}
