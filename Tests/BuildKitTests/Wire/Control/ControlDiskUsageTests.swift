import BuildKit
import Testing

@Suite("Control disk usage and prune messages")
struct ControlDiskUsageTests {
  @Test("a disk usage answer with every record field set round-trips")
  func diskUsageRoundTrip() throws {
    let record = Control.UsageRecord(
      id: "r1",
      mutable: true,
      inUse: true,
      size: 123_456_789,
      parent: "r0",
      createdAt: Google.Timestamp(seconds: 1, nanos: 2),
      lastUsedAt: Google.Timestamp(seconds: 3, nanos: 4),
      usageCount: 7,
      description: "mount / from exec /bin/sh",
      recordType: "exec.cachemount",
      shared: true,
      parents: ["r0", "r00"]
    )
    let response = Control.DiskUsageResponse(record: [record, Control.UsageRecord(id: "r2")])
    let request = Control.DiskUsageRequest(filter: ["type==regular"], ageLimit: 3_600_000_000_000)

    #expect(try roundTripped(response) == response)
    #expect(try roundTripped(request) == request)
  }

  @Test("a prune request with every field set round-trips")
  func pruneRoundTrip() throws {
    let request = Control.PruneRequest(
      filter: ["until=24h"],
      all: true,
      keepDuration: 86_400_000_000_000,
      keepBytes: 5 << 30,
      maxUsedSpace: 50 << 30,
      minFreeSpace: 2 << 30
    )

    #expect(try roundTripped(request) == request)
    #expect(Control.PruneRequest(all: true).encoded() == bytes("10 01"))
  }
}
