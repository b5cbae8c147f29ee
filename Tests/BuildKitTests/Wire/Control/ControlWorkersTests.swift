import BuildKit
import Testing

@Suite("Control worker and info messages")
struct ControlWorkersTests {
  @Test("a worker list with platforms, policies and version round-trips")
  func listWorkersRoundTrip() throws {
    let worker = Control.WorkerRecord(
      id: "abc",
      labels: ["org.mobyproject.buildkit.worker.executor": "oci"],
      platforms: [
        LLB.Platform(architecture: "amd64", os: "linux"),
        LLB.Platform(architecture: "arm64", os: "linux", variant: "v8"),
        LLB.Platform(
          architecture: "amd64",
          os: "windows",
          osVersion: "10.0",
          osFeatures: ["win32k"]
        ),
      ],
      gcPolicy: [
        Control.GCPolicy(
          all: true,
          keepDuration: 172_800_000_000_000,
          keepBytes: 1 << 30,
          filters: ["type==source.local"]
        ),
        Control.GCPolicy(keepBytes: 10 << 30, maxUsedSpace: 20 << 30, minFreeSpace: 1 << 30),
      ],
      buildkitVersion: Control.BuildkitVersion(
        package: "github.com/moby/buildkit",
        version: "v0.13.2",
        revision: "abcdef",
        dockerfileVersion: "1.7"
      )
    )
    let response = Control.ListWorkersResponse(record: [worker, Control.WorkerRecord(id: "second")])

    #expect(try roundTripped(response) == response)
    #expect(try roundTripped(Control.ListWorkersRequest(filter: ["id==abc"])).filter == ["id==abc"])
  }

  @Test("the info request is empty and the info response carries the version")
  func info() throws {
    let response = Control.InfoResponse(
      buildkitVersion: Control.BuildkitVersion(version: "v0.13.2")
    )

    #expect(Control.InfoRequest().encoded().isEmpty)
    #expect(try Control.InfoRequest(decoding: []) == Control.InfoRequest())
    #expect(response.encoded() == bytes("0A 09 12 07 76 30 2E 31 33 2E 32"))
    #expect(try roundTripped(response) == response)
  }
}
