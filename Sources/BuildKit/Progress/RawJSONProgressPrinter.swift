// The raw JSON progress format: each status batch as one JSON object on its own line.
//
// The shape matches what buildctl's `--progress=rawjson` writes, so existing tools can read it:
//
//     {"vertexes":[...],"statuses":[...],"logs":[...],"warnings":[...]}
//
// - vertex: `digest`, `inputs`, `name`, `started`, `completed`, `cached`, `error`,
//   `progressGroup` {`id`, `name`, `weak`}
// - status: `id`, `vertex`, `name`, `total`, `current`, `timestamp`, `started`, `completed`
// - log: `vertex`, `stream`, `data` (base64), `timestamp`
// - warning: `vertex`, `level`, `short` and `detail` (base64), `url`, `sourceInfo` {`filename`,
//   `data` (base64), `language`}, `range` [{`start`, `end`: {`line`, `character`}}]
//
// Empty fields are left out, except a status's `id`, `current` and `timestamp` and a log's `data`
// and `timestamp`, which are always present (an absent time prints as the zero time
// `0001-01-01T00:00:00Z`, absent data as `null`). Times are RFC 3339 in UTC with up to nine
// fractional digits and no trailing zeros.

import Foundation

/// Writes each status batch as one line of JSON (`--progress=rawjson`).
public struct RawJSONProgressPrinter: ProgressPrinter {
  private let sink: @Sendable (String) -> Void

  /// Creates a printer.
  /// - Parameter sink: Receives one line of JSON, newline included, per batch.
  public init(sink: @escaping @Sendable (String) -> Void) {
    self.sink = sink
  }

  /// Writes the batch as one line of JSON.
  /// - Parameters:
  ///   - response: The next batch from the Status stream.
  ///   - now: Unused.
  public mutating func update(_ response: Control.StatusResponse, now: ContinuousClock.Instant) {
    self.sink(Self.line(for: response))
  }

  /// Does nothing.
  /// - Parameter now: Unused.
  public mutating func tick(now: ContinuousClock.Instant) {}

  /// Does nothing: every batch was written when it arrived.
  /// - Parameter now: Unused.
  public mutating func finish(now: ContinuousClock.Instant) {}

  /// One batch as a line of JSON.
  /// - Parameter response: A status batch.
  /// - Returns: The JSON object followed by a newline.
  public static func line(for response: Control.StatusResponse) -> String {
    var members: [(String, JSONText.Value)] = []
    members.appendList("vertexes", response.vertexes.map(Self.json(_:)))
    members.appendList("statuses", response.statuses.map(Self.json(_:)))
    members.appendList("logs", response.logs.map(Self.json(_:)))
    members.appendList("warnings", response.warnings.map(Self.json(_:)))
    return JSONText.render(.object(members)) + "\n"
  }

  // MARK: - Messages

  private static func json(_ vertex: Control.Vertex) -> JSONText.Value {
    var members: [(String, JSONText.Value)] = []
    members.appendString("digest", vertex.digest)
    members.appendList("inputs", vertex.inputs.map { .string($0) })
    members.appendString("name", vertex.name)
    members.appendTime("started", vertex.started)
    members.appendTime("completed", vertex.completed)
    if vertex.cached {
      members.append(("cached", .bool(true)))
    }
    members.appendString("error", vertex.error)
    if let group = vertex.progressGroup {
      var groupMembers: [(String, JSONText.Value)] = []
      groupMembers.appendString("id", group.id)
      groupMembers.appendString("name", group.name)
      if group.weak {
        groupMembers.append(("weak", .bool(true)))
      }
      members.append(("progressGroup", .object(groupMembers)))
    }
    return .object(members)
  }

  private static func json(_ status: Control.VertexStatus) -> JSONText.Value {
    var members: [(String, JSONText.Value)] = [("id", .string(status.id))]
    members.appendString("vertex", status.vertex)
    members.appendString("name", status.name)
    members.appendInteger("total", status.total)
    members.append(("current", .integer(status.current)))
    members.append(("timestamp", .string(Self.time(status.timestamp))))
    members.appendTime("started", status.started)
    members.appendTime("completed", status.completed)
    return .object(members)
  }

  private static func json(_ log: Control.VertexLog) -> JSONText.Value {
    var members: [(String, JSONText.Value)] = []
    members.appendString("vertex", log.vertex)
    members.appendInteger("stream", log.stream)
    members.append(("data", log.msg.isEmpty ? .null : .string(Self.base64(log.msg))))
    members.append(("timestamp", .string(Self.time(log.timestamp))))
    return .object(members)
  }

  private static func json(_ warning: Control.VertexWarning) -> JSONText.Value {
    var members: [(String, JSONText.Value)] = []
    members.appendString("vertex", warning.vertex)
    members.appendInteger("level", warning.level)
    if !warning.short.isEmpty {
      members.append(("short", .string(Self.base64(warning.short))))
    }
    members.appendList("detail", warning.detail.map { .string(Self.base64($0)) })
    members.appendString("url", warning.url)
    if let info = warning.info {
      var infoMembers: [(String, JSONText.Value)] = []
      infoMembers.appendString("filename", info.filename)
      if !info.data.isEmpty {
        infoMembers.append(("data", .string(Self.base64(info.data))))
      }
      infoMembers.appendString("language", info.language)
      members.append(("sourceInfo", .object(infoMembers)))
    }
    members.appendList("range", warning.ranges.map(Self.json(_:)))
    return .object(members)
  }

  private static func json(_ range: LLB.Range) -> JSONText.Value {
    .object([("start", Self.json(range.start)), ("end", Self.json(range.end))])
  }

  private static func json(_ position: LLB.Position?) -> JSONText.Value {
    var members: [(String, JSONText.Value)] = []
    members.appendInteger("line", Int64(position?.line ?? 0))
    members.appendInteger("character", Int64(position?.character ?? 0))
    return .object(members)
  }

  // MARK: - Scalars

  private static func base64(_ bytes: [UInt8]) -> String {
    Data(bytes).base64EncodedString()
  }

  /// The time in RFC 3339 with nanoseconds, or the zero time when absent.
  static func time(_ timestamp: Google.Timestamp?) -> String {
    guard let timestamp else { return "0001-01-01T00:00:00Z" }

    var seconds = timestamp.seconds
    var nanos = Int64(timestamp.nanos)
    seconds += nanos.floorDivided(by: 1_000_000_000)
    nanos = nanos - nanos.floorDivided(by: 1_000_000_000) * 1_000_000_000

    let days = seconds.floorDivided(by: 86_400)
    let secondOfDay = seconds - days * 86_400
    let (year, month, day) = Self.civilDate(daysSinceEpoch: days)

    var text = Self.padded(year, 4) + "-" + Self.padded(month, 2) + "-" + Self.padded(day, 2)
    text += "T" + Self.padded(secondOfDay / 3600, 2) + ":" + Self.padded(secondOfDay / 60 % 60, 2)
    text += ":" + Self.padded(secondOfDay % 60, 2)
    if nanos != 0 {
      var fraction = Self.padded(nanos, 9)
      while fraction.hasSuffix("0") {
        fraction.removeLast()
      }
      text += "." + fraction
    }
    return text + "Z"
  }

  /// The proleptic Gregorian date of a day counted from 1970-01-01.
  private static func civilDate(daysSinceEpoch days: Int64) -> (Int64, Int64, Int64) {
    // Count in 400-year eras that start on 0000-03-01, so that leap days fall at era ends.
    let shifted = days + 719_468
    let era = shifted.floorDivided(by: 146_097)
    let dayOfEra = shifted - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let shiftedMonth = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
    let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    return (year, month, day)
  }

  private static func padded(_ number: Int64, _ width: Int) -> String {
    let digits = String(number.magnitude)
    let sign = number < 0 ? "-" : ""
    return sign + String(repeating: "0", count: max(0, width - digits.count)) + digits
  }
}

extension Int64 {
  /// The quotient rounded toward negative infinity.
  fileprivate func floorDivided(by divisor: Int64) -> Int64 {
    let quotient = self / divisor
    return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
  }
}

extension [(String, JSONText.Value)] {
  fileprivate mutating func appendString(_ key: String, _ value: String) {
    if !value.isEmpty {
      self.append((key, .string(value)))
    }
  }

  fileprivate mutating func appendInteger(_ key: String, _ value: Int64) {
    if value != 0 {
      self.append((key, .integer(value)))
    }
  }

  fileprivate mutating func appendList(_ key: String, _ values: [JSONText.Value]) {
    if !values.isEmpty {
      self.append((key, .array(values)))
    }
  }

  fileprivate mutating func appendTime(_ key: String, _ value: Google.Timestamp?) {
    if let value {
      self.append((key, .string(RawJSONProgressPrinter.time(value))))
    }
  }
}
