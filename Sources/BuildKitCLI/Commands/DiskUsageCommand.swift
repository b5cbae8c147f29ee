import BuildKit
import Foundation

/// `buildkit du`: the daemon's cache records and how much of them can be reclaimed, like
/// `buildctl du`.
enum DiskUsageCommand: Command {
  static let name = "du"
  static let abstract = "Show the daemon's build cache usage."
  static let options = [
    OptionSpec(["--filter", "-f"], .values, valueName: "FILTER", help: "containerd-style filter"),
    OptionSpec(["--verbose", "-v"], .flag, help: "show every field of every record"),
    JSONOutput.formatOption,
  ]

  static func run(_ arguments: ParsedArguments, context: CommandContext) async throws -> Int32 {
    let json = try JSONOutput.wantsJSON(arguments, command: self.name)
    let global = try GlobalOptions(arguments, environment: context.environment, command: self.name)
    let client = try await global.connectedClient()
    defer { client.close() }
    let records = try await client.diskUsage(filter: arguments.all("filter"))
      .sorted { ($0.size, $0.id) > ($1.size, $1.id) }

    if json {
      context.output.print(JSONOutput.render(records.map(UsageRecordOutput.json)))
    } else if arguments.flag("verbose") {
      for record in records {
        context.output.print(UsageRecordOutput.verbose(record) + "\n")
      }
      context.output.print(UsageRecordOutput.totals(records))
    } else {
      context.output.print(UsageRecordOutput.table(records))
      context.output.print(UsageRecordOutput.totals(records))
    }
    return 0
  }
}

/// The ways `du` and `prune` print cache records.
enum UsageRecordOutput {
  static func table(_ records: [Control.UsageRecord]) -> String {
    var table = Table()
    table.append(["ID", "RECLAIMABLE", "SIZE", "LAST ACCESSED"])
    for record in records {
      table.append([
        record.mutable ? record.id + "*" : record.id,
        String(!record.inUse),
        ByteSize.format(record.size),
        record.lastUsedAt.map { Self.age(of: $0) } ?? "",
      ])
    }
    return table.rendered
  }

  static func totals(_ records: [Control.UsageRecord]) -> String {
    let total = records.reduce(Int64(0)) { $0 + $1.size }
    let reclaimable = records.filter { !$0.inUse }.reduce(Int64(0)) { $0 + $1.size }
    return "Reclaimable:\t\(ByteSize.format(reclaimable))\nTotal:\t\t\(ByteSize.format(total))"
  }

  static func verbose(_ record: Control.UsageRecord) -> String {
    var lines = ["ID:\t\t\(record.id)"]
    if !record.parents.isEmpty {
      lines.append("Parents:\t\(record.parents.joined(separator: ";"))")
    }
    if let created = record.createdAt {
      lines.append("Created at:\t\(Self.date(created))")
    }
    lines += [
      "Mutable:\t\(record.mutable)",
      "Reclaimable:\t\(!record.inUse)",
      "Shared:\t\t\(record.shared)",
      "Size:\t\t\(ByteSize.format(record.size))",
    ]
    if !record.description.isEmpty {
      lines.append("Description:\t\(record.description)")
    }
    lines.append("Usage count:\t\(record.usageCount)")
    if let used = record.lastUsedAt {
      lines.append("Last used:\t\(Self.age(of: used)) ago")
    }
    if !record.recordType.isEmpty {
      lines.append("Type:\t\t\(record.recordType)")
    }
    return lines.joined(separator: "\n")
  }

  static func json(_ record: Control.UsageRecord) -> [String: Any] {
    var object: [String: Any] = [
      "id": record.id, "mutable": record.mutable, "inUse": record.inUse,
      "reclaimable": !record.inUse, "size": record.size, "usageCount": record.usageCount,
      "description": record.description, "recordType": record.recordType,
      "shared": record.shared, "parents": record.parents,
    ]
    if let created = record.createdAt { object["createdAt"] = Self.date(created) }
    if let used = record.lastUsedAt { object["lastUsedAt"] = Self.date(used) }
    return object
  }

  private static func date(_ timestamp: Google.Timestamp) -> String {
    let date = Date(
      timeIntervalSince1970: Double(timestamp.seconds) + Double(timestamp.nanos) / 1e9)
    return date.formatted(.iso8601)
  }

  private static func age(of timestamp: Google.Timestamp) -> String {
    let seconds = max(0, Int64(Date().timeIntervalSince1970) - timestamp.seconds)
    switch seconds {
    case ..<60: return "\(seconds) seconds"
    case ..<3600: return "\(seconds / 60) minutes"
    case ..<86400: return "\(seconds / 3600) hours"
    default: return "\(seconds / 86400) days"
    }
  }
}
