import BuildKit

/// `buildkit workers`: the daemon's workers with their platforms, labels and GC policy, like
/// `buildctl debug workers`.
enum WorkersCommand: Command {
  static let name = "workers"
  static let abstract = "List the daemon's workers and the platforms they build for."
  static let options = [
    OptionSpec(["--filter", "-f"], .values, valueName: "FILTER", help: "containerd-style filter"),
    OptionSpec(["--verbose", "-v"], .flag, help: "show labels and garbage-collection policy"),
    JSONOutput.formatOption,
  ]

  static func run(_ arguments: ParsedArguments, context: CommandContext) async throws -> Int32 {
    let json = try JSONOutput.wantsJSON(arguments, command: self.name)
    let global = try GlobalOptions(arguments, environment: context.environment, command: self.name)
    let client = try await global.connectedClient()
    defer { client.close() }
    let workers = try await client.workers(filter: arguments.all("filter"))

    if json {
      context.output.print(JSONOutput.render(workers.map(Self.json)))
    } else if arguments.flag("verbose") {
      context.output.print(workers.map(Self.verbose).joined(separator: "\n\n"))
    } else {
      var table = Table()
      table.append(["ID", "PLATFORMS"])
      for worker in workers {
        table.append([worker.id, worker.platforms.map(Self.format).joined(separator: ",")])
      }
      context.output.print(table.rendered)
    }
    return 0
  }

  static func format(_ platform: LLB.Platform) -> String {
    [platform.os, platform.architecture, platform.variant].filter { !$0.isEmpty }
      .joined(separator: "/")
  }

  private static func verbose(_ worker: Control.WorkerRecord) -> String {
    var lines = [
      "ID:\t\t\(worker.id)",
      "Platforms:\t\(worker.platforms.map(Self.format).joined(separator: ","))",
    ]
    if let version = worker.buildkitVersion {
      lines.append("BuildKit:\t\(version.package) \(version.version) \(version.revision)")
    }
    lines.append("Labels:")
    for key in worker.labels.keys.sorted() {
      lines.append("\t\(key):\t\(worker.labels[key]!)")
    }
    for (index, policy) in worker.gcPolicy.enumerated() {
      lines.append("GC Policy rule#\(index):")
      lines.append("\tAll:\t\t\(policy.all)")
      if !policy.filters.isEmpty {
        lines.append("\tFilters:\t\(policy.filters.joined(separator: ","))")
      }
      if policy.keepDuration > 0 {
        lines.append("\tKeep Duration:\t\(GoDuration.format(nanoseconds: policy.keepDuration))")
      }
      if policy.keepBytes > 0 {
        lines.append("\tKeep Bytes:\t\(ByteSize.format(policy.keepBytes))")
      }
    }
    return lines.joined(separator: "\n")
  }

  private static func json(_ worker: Control.WorkerRecord) -> [String: Any] {
    var object: [String: Any] = [
      "id": worker.id,
      "platforms": worker.platforms.map(Self.format),
      "labels": worker.labels,
      "gcPolicy": worker.gcPolicy.map { policy in
        [
          "all": policy.all, "filters": policy.filters, "keepDuration": policy.keepDuration,
          "keepBytes": policy.keepBytes,
        ] as [String: Any]
      },
    ]
    if let version = worker.buildkitVersion {
      object["buildkitVersion"] = [
        "package": version.package, "version": version.version, "revision": version.revision,
      ]
    }
    return object
  }
}
