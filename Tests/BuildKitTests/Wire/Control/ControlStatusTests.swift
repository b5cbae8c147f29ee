import BuildKit
import Testing

@Suite("Control status messages")
struct ControlStatusTests {
  @Test("a status batch with vertices, statuses, logs and warnings round-trips")
  func statusResponseRoundTrip() throws {
    let started = Google.Timestamp(seconds: 1_700_000_000, nanos: 5)
    let response = Control.StatusResponse(
      vertexes: [
        Control.Vertex(
          digest: "sha256:aa",
          inputs: ["sha256:bb", "sha256:cc"],
          name: "[1/2] FROM alpine",
          cached: true,
          started: started,
          completed: Google.Timestamp(seconds: 1_700_000_001),
          error: "",
          progressGroup: LLB.ProgressGroup(id: "g", name: "group", weak: true)
        ),
        Control.Vertex(digest: "sha256:dd", error: "process did not complete successfully"),
      ],
      statuses: [
        Control.VertexStatus(
          id: "sha256:layer",
          vertex: "sha256:aa",
          name: "downloading",
          current: 1024,
          total: 4096,
          timestamp: started,
          started: started,
          completed: nil
        )
      ],
      logs: [
        Control.VertexLog(vertex: "sha256:aa", timestamp: started, stream: 2, msg: [0, 10, 255])
      ],
      warnings: [
        Control.VertexWarning(
          vertex: "sha256:aa",
          level: 1,
          short: Array("short".utf8),
          detail: [Array("line 1".utf8), []],
          url: "https://docs.example.test",
          info: LLB.SourceInfo(
            filename: "Dockerfile",
            data: Array("FROM x\n".utf8),
            language: "Dockerfile"
          ),
          ranges: [
            LLB.Range(start: LLB.Position(line: 1), end: LLB.Position(line: 1, character: 6))
          ]
        )
      ]
    )

    #expect(try roundTripped(response) == response)
    #expect(
      try roundTripped(Control.StatusRequest(ref: "build-1"))
        == Control.StatusRequest(ref: "build-1")
    )
  }

  @Test("v0.13's empty timestamps decode as zero timestamps, absent ones as nil")
  func emptyTimestamps() throws {
    // VertexStatus{id: "x", timestamp: {}, started: {}} with completed absent.
    let status = try Control.VertexStatus(decoding: bytes("0A 01 78 32 00 3A 00"))

    #expect(status.timestamp == Google.Timestamp())
    #expect(status.started == Google.Timestamp())
    #expect(status.completed == nil)
  }

  @Test("a vertex from a newer daemon without timestamps decodes with nil times")
  func absentTimestamps() throws {
    let vertex = try Control.Vertex(decoding: bytes("0A 02 76 31 1A 01 6E"))

    #expect(vertex == Control.Vertex(digest: "v1", name: "n"))
  }
}
