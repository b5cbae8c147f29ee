// Readers for the text that `buildctl` and `buildkit` print for the Control API's administrative
// calls, so the tests can hold one client's answer against the other's:
//
// - tables (`debug workers`, `du`, `prune`): a header line, then one row per item whose columns
//   are separated by runs of spaces or tabs; `du` marks a mutable record by a `*` after its ID,
//   and `du` and `prune` end with `Reclaimable:` and `Total:` lines;
// - verbose listings (`debug workers -v`, `du -v`): one block per item, blocks separated by blank
//   lines, each line `Key:<tabs>value`, with indented lines belonging to the key above them
//   (worker labels);
// - sizes as both tools print them, with decimal units (`8.19kB`, `512MB`, `0B`).

import Foundation

/// Parsed output of `buildctl` and `buildkit`.
enum Listing {
  /// One worker as a table lists it.
  struct Worker: Equatable, CustomStringConvertible {
    /// The worker's ID.
    let id: String
    /// Its platforms, in the order printed.
    let platforms: [String]

    /// `ID platform,platform`.
    var description: String { "\(self.id) \(self.platforms.joined(separator: ","))" }
  }

  /// One cache record as a verbose listing shows it.
  struct Record: Equatable, CustomStringConvertible {
    /// The record's ID.
    let id: String
    /// Every `Key: value` line of the record's block, by key.
    let fields: [String: String]

    /// The record type (`regular`, `source.local`, ...), empty when not printed.
    var type: String { self.fields["Type"] ?? "" }
    /// Whether the record may be pruned.
    var reclaimable: Bool { self.fields["Reclaimable"] == "true" }
    /// Whether the record is mutable.
    var mutable: Bool { self.fields["Mutable"] == "true" }
    /// The size as printed, such as `8.19kB`.
    var size: String { self.fields["Size"] ?? "" }

    /// The ID and the fields the tests compare.
    var description: String {
      "\(self.id) type=\(self.type) reclaimable=\(self.reclaimable) mutable=\(self.mutable) "
        + "size=\(self.size)"
    }
  }

  /// The rows of a table after its header, split into columns at runs of spaces and tabs.
  ///
  /// - Parameter text: A table as printed, possibly followed by `Reclaimable:` and `Total:` lines.
  /// - Returns: The columns of each row; the summary lines are left out.
  static func rows(_ text: String) -> [[String]] {
    text.split(separator: "\n").dropFirst().compactMap { line in
      let columns = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
      guard let first = columns.first, !first.hasSuffix(":") else { return nil }
      return columns
    }
  }

  /// The workers of a `debug workers` or `buildkit workers` table.
  ///
  /// - Parameter text: The table.
  /// - Returns: The workers in the order listed.
  static func workers(_ text: String) -> [Worker] {
    self.rows(text).map { columns in
      Worker(
        id: columns[0],
        platforms: columns.count > 1 ? columns[1].split(separator: ",").map(String.init) : [])
    }
  }

  /// The record IDs of a `du` or `prune` table, without the `*` that marks a mutable record.
  ///
  /// - Parameter text: The table.
  /// - Returns: The IDs.
  static func recordIDs(_ text: String) -> Set<String> {
    Set(self.rows(text).map { $0[0].hasSuffix("*") ? String($0[0].dropLast()) : $0[0] })
  }

  /// The blocks of a verbose listing, each a list of lines, blank lines removed.
  ///
  /// - Parameter text: The listing.
  /// - Returns: The blocks in order.
  static func blocks(_ text: String) -> [[String]] {
    var blocks: [[String]] = []
    var current: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.allSatisfy(\.isWhitespace) {
        if !current.isEmpty { blocks.append(current) }
        current = []
      } else {
        current.append(String(line))
      }
    }
    if !current.isEmpty { blocks.append(current) }
    return blocks
  }

  /// The records of a `du -v` listing; the closing totals block is left out.
  ///
  /// - Parameter text: The listing.
  /// - Returns: The records by ID.
  static func records(_ text: String) -> [String: Record] {
    var records: [String: Record] = [:]
    for block in self.blocks(text) {
      var fields: [String: String] = [:]
      for line in block where !line.hasPrefix("\t") && !line.hasPrefix(" ") {
        guard let colon = line.firstIndex(of: ":") else { continue }
        let key = String(line[..<colon])
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        fields[key] = fields[key] ?? value
      }
      guard let id = fields["ID"] else { continue }
      records[id] = Record(id: id, fields: fields)
    }
    return records
  }

  /// The value of the last `Reclaimable:` line whose value is a size, as `du` prints it under
  /// its table or listing.
  ///
  /// - Parameter text: The output of `du`.
  /// - Returns: The size as printed, such as `0B`, or nil when there is no such line.
  static func reclaimableTotal(_ text: String) -> String? {
    text.split(separator: "\n").reversed().lazy.compactMap { line -> String? in
      guard line.hasPrefix("Reclaimable:") else { return nil }
      let value = line.dropFirst("Reclaimable:".count).trimmingCharacters(in: .whitespaces)
      return self.bytes(value) == nil ? nil : value
    }.first
  }

  /// The lines of a verbose listing with each run of spaces and tabs made one space, blank
  /// lines dropped: the content without the column alignment, which each tool does its own way.
  ///
  /// - Parameter text: The listing.
  /// - Returns: The normalized lines.
  static func normalizedLines(_ text: String) -> [String] {
    text.split(separator: "\n").compactMap { line in
      let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
      return words.isEmpty ? nil : words.joined(separator: " ")
    }
  }

  /// The number of bytes a printed size stands for: a number and a decimal unit (`B`, `kB`,
  /// `MB`, `GB`, `TB`), as BuildKit's tools print sizes.
  ///
  /// - Parameter text: A size such as `8.19kB`.
  /// - Returns: The bytes, or nil when the text is not a size.
  static func bytes(_ text: String) -> Double? {
    let number = text.prefix { $0.isNumber || $0 == "." }
    guard !number.isEmpty, let value = Double(number) else { return nil }
    let factors: [String: Double] = ["B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12]
    guard let factor = factors[String(text.dropFirst(number.count))] else { return nil }
    return value * factor
  }
}
