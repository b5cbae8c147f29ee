import BuildKit
import Testing

@Suite("Control build history messages")
struct ControlHistoryTests {
  @Test("a history event with a full record round-trips")
  func historyEventRoundTrip() throws {
    let descriptor = Control.Descriptor(
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: "sha256:11",
      size: 512,
      annotations: ["a": "b"]
    )
    let result = Control.BuildResultInfo(
      resultDeprecated: descriptor,
      attestations: [descriptor],
      results: [0: descriptor, 3: Control.Descriptor(digest: "sha256:33")]
    )
    let record = Control.BuildHistoryRecord(
      ref: "build-1",
      frontend: "dockerfile.v0",
      frontendAttrs: ["filename": "Dockerfile"],
      exporters: [Control.Exporter(type: "image")],
      error: Google.RPCStatus(code: 2, message: "failed"),
      createdAt: Google.Timestamp(seconds: 10),
      completedAt: Google.Timestamp(seconds: 20),
      logs: descriptor,
      exporterResponse: ["containerimage.digest": "sha256:22"],
      result: result,
      results: ["linux/amd64": result],
      generation: 3,
      trace: descriptor,
      pinned: true,
      numCachedSteps: 1,
      numTotalSteps: 5,
      numCompletedSteps: 4,
      externalError: descriptor,
      numWarnings: 2
    )
    let event = Control.BuildHistoryEvent(type: .complete, record: record)

    #expect(try roundTripped(event) == event)
    #expect(Control.BuildHistoryEvent(type: .deleted).encoded() == bytes("08 02"))
  }

  @Test("history requests and updates round-trip")
  func requests() throws {
    let request = Control.BuildHistoryRequest(
      activeOnly: true,
      ref: "r",
      earlyExit: true,
      filter: ["x"],
      limit: 10
    )
    let update = Control.UpdateBuildHistoryRequest(
      ref: "r",
      pinned: true,
      delete: true,
      finalize: true
    )

    #expect(try roundTripped(request) == request)
    #expect(try roundTripped(update) == update)
    #expect(Control.UpdateBuildHistoryResponse().encoded().isEmpty)
  }
}
