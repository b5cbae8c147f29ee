import BuildKit
import Foundation
import Synchronization
import Testing

extension DaemonBTests {
  /// `buildkit du`, `buildkit prune` and `BuildKitClient.diskUsage(filter:)` against daemon b (over
  /// mutual TLS), held against `buildctl du`. Daemon b runs no test of another suite while these run
  /// (see ``DaemonBTests``), so its cache changes only here; the tests run one after another, since
  /// each prune changes what the others list.
  @Suite("buildkit du and prune")
  struct CacheCommandTests {
    /// The connection flags for the daemon these tests use, the same for buildctl and buildkit.
    static func daemon(_ bed: TestBed) -> [String] {
      bed.buildctlArguments(for: .tls)
    }

    /// Filters for `du`: none, and one that selects a record type.
    static let duFilters: [[String]] = [[], ["type==source.local"]]

    /// The records of `buildkit du -v` on daemon a.
    static func ourRecords(_ bed: TestBed, filters: [String] = []) async throws
      -> [String: Listing.Record]
    {
      let output = try await CLI.run(
        ["du", "-v"] + CacheCommandTests.daemon(bed) + filters.flatMap { ["--filter", $0] })
      try #require(output.status == 0, "buildkit du -v: \(output.standardError)")
      return Listing.records(output.standardOutput)
    }

    /// The IDs of the reclaimable records in a listing.
    static func reclaimable(_ records: [String: Listing.Record]) -> Set<String> {
      Set(records.values.filter(\.reclaimable).map(\.id))
    }

    // MARK: du

    @Test("du lists the record IDs buildctl du -v lists", arguments: duFilters)
    func listsTheRecordIDs(filters: [String]) async throws {
      let bed = try TestBed.require()
      try await ControlFixtures.buildSomething(on: bed)
      let (reference, output) = try await ControlFixtures.whileCacheIsStill(
        on: bed, filters: filters
      ) {
        try await CLI.run(
          ["du"] + CacheCommandTests.daemon(bed) + filters.flatMap { ["--filter", $0] })
      }
      #expect(output.status == 0, "stderr: \(output.standardError)")
      if filters.isEmpty {
        #expect(!reference.isEmpty, "buildctl du -v lists nothing after a build")
      }
      #expect(Listing.recordIDs(output.standardOutput) == Set(reference.keys))
      let mutable = Set(reference.values.filter(\.mutable).map { $0.id + "*" })
      let firstColumn = Set(Listing.rows(output.standardOutput).map { $0[0] })
      #expect(mutable.isSubset(of: firstColumn), "mutable records are marked with *")
      #expect(Listing.reclaimableTotal(output.standardOutput) != nil, "\(output.standardOutput)")
    }

    @Test("du -v gives each record the type, mutability and reclaimability buildctl du -v gives")
    func describesTheRecords() async throws {
      let bed = try TestBed.require()
      try await ControlFixtures.buildSomething(on: bed)
      let (reference, ours) = try await ControlFixtures.whileCacheIsStill(on: bed) {
        try await Self.ourRecords(bed)
      }
      #expect(Set(ours.keys) == Set(reference.keys))
      for (id, record) in reference {
        guard let mine = ours[id] else { continue }
        #expect(mine.type == record.type, "\(id)")
        #expect(mine.mutable == record.mutable, "\(id)")
        #expect(mine.reclaimable == record.reclaimable, "\(id)")
      }
    }

    @Test("du --format json has buildctl's IDs, types and sizes")
    func printsJSON() async throws {
      let bed = try TestBed.require()
      try await ControlFixtures.buildSomething(on: bed)
      let (reference, output) = try await ControlFixtures.whileCacheIsStill(on: bed) {
        try await CLI.run(["du", "--format", "json"] + CacheCommandTests.daemon(bed))
      }
      #expect(output.status == 0, "stderr: \(output.standardError)")
      let records = try #require(
        try JSONSerialization.jsonObject(with: output.stdout) as? [[String: Any]])
      let byID = Dictionary(
        records.map { ($0["id"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
      #expect(Set(byID.keys) == Set(reference.keys))
      for (id, record) in reference {
        guard let mine = byID[id] else { continue }
        #expect(mine["recordType"] as? String == record.type, "\(id)")
        #expect(mine["reclaimable"] as? Bool == record.reclaimable, "\(id)")
        // buildctl rounds to two decimals of its unit: 8192 bytes print as 8.19kB.
        let size = try #require(mine["size"] as? Int, "\(id) has no integer size")
        let printed = try #require(Listing.bytes(record.size), "\(id): \(record.size)")
        #expect(
          abs(Double(size) - printed) <= max(printed * 0.01, 1), "\(id): \(size) vs \(printed)")
      }
    }

    @Test("BuildKitClient.diskUsage(filter:) returns the records buildctl du -v lists")
    func libraryReturnsTheRecords() async throws {
      let bed = try TestBed.require()
      try await ControlFixtures.buildSomething(on: bed)
      let client = try LibraryClient.make(bed, .tls)
      defer { client.close() }
      try await client.connect(timeout: .seconds(10))
      let (reference, records) = try await ControlFixtures.whileCacheIsStill(on: bed) {
        try await client.diskUsage()
      }
      #expect(Set(records.map(\.id)) == Set(reference.keys))
      for record in records {
        guard let expected = reference[record.id] else { continue }
        #expect(record.recordType == expected.type, "\(record.id)")
        #expect(record.inUse == !expected.reclaimable, "\(record.id)")
      }
    }

    // MARK: prune

    @Test("prune --all deletes every reclaimable record, lists them, and leaves 0B reclaimable")
    func prunesEverything() async throws {
      let bed = try TestBed.require()
      try await ControlFixtures.untilClean {
        try await ControlFixtures.buildSomething(on: bed)
        let before = try await ControlFixtures.referenceRecords(on: bed)
        let output = try await CLI.run(["prune", "--all"] + CacheCommandTests.daemon(bed))
        let after = try await bed.buildctl(.tls, ["du", "-v"], timeout: .seconds(60))
        var problems: [String] = []
        if output.status != 0 {
          problems.append("buildkit prune --all exited \(output.status): \(output.standardError)")
        }
        let deleted = Listing.recordIDs(output.standardOutput)
        let expected = Self.reclaimable(before)
        if expected.isEmpty {
          problems.append("buildctl du -v listed nothing reclaimable to prune")
        }
        if !expected.isSubset(of: deleted) {
          problems.append(
            "prune listed \(deleted.sorted()) but not \(expected.subtracting(deleted).sorted())")
        }
        if !output.standardOutput.contains("Total:") {
          problems.append("prune printed no Total line: \(output.standardOutput)")
        }
        let remaining = Set(Listing.records(after.standardOutput).keys)
        if !remaining.isDisjoint(with: expected) {
          problems.append("still listed after prune: \(remaining.intersection(expected).sorted())")
        }
        let total = Listing.reclaimableTotal(after.standardOutput)
        if total != "0B" {
          problems.append("buildctl du says Reclaimable: \(total ?? "nothing") after prune --all")
        }
        return problems
      }
    }

    @Test("prune --filter type==regular deletes regular records only")
    func prunesByFilter() async throws {
      let bed = try TestBed.require()
      try await ControlFixtures.untilClean {
        try await ControlFixtures.buildSomething(on: bed)
        let before = try await ControlFixtures.referenceRecords(on: bed)
        let output = try await CLI.run(
          ["prune", "--filter", "type==regular", "--format", "json"] + CacheCommandTests.daemon(bed)
        )
        let after = try await ControlFixtures.referenceRecords(on: bed)
        var problems: [String] = []
        guard output.status == 0 else {
          return ["buildkit prune --filter exited \(output.status): \(output.standardError)"]
        }
        let records =
          try JSONSerialization.jsonObject(with: output.stdout) as? [[String: Any]] ?? []
        let deleted = Set(records.compactMap { $0["id"] as? String })
        let regular = Set(before.values.filter { $0.type == "regular" && $0.reclaimable }.map(\.id))
        let others = Set(before.values.filter { $0.type != "regular" }.map(\.id))
        if regular.isEmpty { problems.append("the build left no reclaimable regular record") }
        if !regular.isSubset(of: deleted) {
          problems.append("regular records not deleted: \(regular.subtracting(deleted).sorted())")
        }
        if !deleted.isDisjoint(with: others) {
          let wrong = deleted.intersection(others).sorted().map { "\($0) (\(before[$0]!.type))" }
          problems.append("records of other types deleted: \(wrong)")
        }
        if !others.isSubset(of: Set(after.keys)) {
          problems.append("records of other types gone: \(others.subtracting(after.keys).sorted())")
        }
        return problems
      }
    }

    @Test(
      "prune keeps what a build just used when told to keep it",
      arguments: [
        ["--keep-duration", "1h"], ["--keep-duration", "30m0s"], ["--keep-storage", "1000"],
      ]
    )
    func keepsRecentRecords(options: [String]) async throws {
      let bed = try TestBed.require()
      try await ControlFixtures.untilClean {
        let earlier = Set(try await ControlFixtures.referenceRecords(on: bed).keys)
        try await ControlFixtures.buildSomething(on: bed)
        let fresh = Set(try await ControlFixtures.referenceRecords(on: bed).keys).subtracting(
          earlier)
        let output = try await CLI.run(
          ["prune"] + options + ["--format", "json"] + CacheCommandTests.daemon(bed))
        guard output.status == 0 else {
          return ["buildkit prune \(options) exited \(output.status): \(output.standardError)"]
        }
        let records =
          try JSONSerialization.jsonObject(with: output.stdout) as? [[String: Any]] ?? []
        let deleted = Set(records.compactMap { $0["id"] as? String })
        var problems: [String] = []
        if fresh.isEmpty { problems.append("the build made no new record") }
        if !deleted.isDisjoint(with: fresh) {
          problems.append("prune \(options) deleted fresh records \(deleted.intersection(fresh))")
        }
        return problems
      }
    }

    @Test("prune without options deletes what a build just left, which the keep options spare")
    func prunesRecentRecordsByDefault() async throws {
      let bed = try TestBed.require()
      try await ControlFixtures.untilClean {
        let earlier = Set(try await ControlFixtures.referenceRecords(on: bed).keys)
        try await ControlFixtures.buildSomething(on: bed)
        let current = try await ControlFixtures.referenceRecords(on: bed)
        let fresh = Self.reclaimable(current).subtracting(earlier)
        let output = try await CLI.run(
          ["prune", "--format", "json"] + CacheCommandTests.daemon(bed))
        guard output.status == 0 else {
          return ["buildkit prune exited \(output.status): \(output.standardError)"]
        }
        let records =
          try JSONSerialization.jsonObject(with: output.stdout) as? [[String: Any]] ?? []
        let deleted = Set(records.compactMap { $0["id"] as? String })
        if fresh.isEmpty { return ["the build made no new reclaimable record"] }
        return fresh.isSubset(of: deleted)
          ? [] : ["prune kept fresh records \(fresh.subtracting(deleted).sorted())"]
      }
    }

    @Test(
      "prune refuses a malformed keep option with a usage error",
      arguments: [
        ["--keep-duration", "abc"], ["--keep-duration", "10"], ["--keep-storage", "lots"],
        ["--keep-storage", "-5"],
      ])
    func refusesMalformedKeepOptions(options: [String]) async throws {
      let bed = try TestBed.require()
      let output = try await CLI.run(["prune"] + options + CacheCommandTests.daemon(bed))
      #expect(output.status == 64, "stdout: \(output.standardOutput)")
      #expect(output.standardError.contains(options[0]), "stderr: \(output.standardError)")
      #expect(output.standardOutput.isEmpty)
    }

    @Test("BuildKitClient.prune reports each deleted record to its callback and returns them all")
    func libraryPrunes() async throws {
      let bed = try TestBed.require()
      try await ControlFixtures.untilClean {
        try await ControlFixtures.buildSomething(on: bed)
        let before = try await ControlFixtures.referenceRecords(on: bed)
        let client = try LibraryClient.make(bed, .tls)
        defer { client.close() }
        try await client.connect(timeout: .seconds(10))
        let seen = Seen()
        let deleted = try await client.prune(BuildKitClient.PruneOptions(all: true)) { record in
          seen.add(record.id)
        }
        var problems: [String] = []
        if seen.ids != deleted.map(\.id) {
          problems.append("callback saw \(seen.ids), prune returned \(deleted.map(\.id))")
        }
        let expected = Self.reclaimable(before)
        if expected.isEmpty || !expected.isSubset(of: Set(deleted.map(\.id))) {
          problems.append("expected \(expected.sorted()) among \(deleted.map(\.id).sorted())")
        }
        return problems
      }
    }
  }
}

/// Record IDs collected by a prune callback, which may run on any thread.
private final class Seen: Sendable {
  private let state = Mutex<[String]>([])

  /// Adds an ID.
  func add(_ id: String) { self.state.withLock { $0.append(id) } }

  /// The IDs in the order added.
  var ids: [String] { self.state.withLock { $0 } }
}
