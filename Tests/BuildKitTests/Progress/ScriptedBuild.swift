// A scripted Status stream of a small build, used by the printer tests.
//
// Six steps: a definition load with a status row and a warning, a cache hit, a RUN whose output
// arrives in chunks split mid-line on two streams, a layer download with size progress that
// runs alongside it, a RUN that fails with an unterminated last line, and a step cancelled when
// the build stops.

import BuildKit

enum ScriptedBuild {
  static let load = "sha256:aaaa"
  static let base = "sha256:bbbb"
  static let make = "sha256:cccc"
  static let fetch = "sha256:eeee"
  static let failing = "sha256:ffff"
  static let sleeper = "sha256:9999"

  static let loadName = "[internal] load build definition from Dockerfile"
  static let baseName = "[1/3] FROM docker.io/library/alpine:3.19"
  static let makeName = "[2/3] RUN make"
  static let fetchName = "[fetch 1/2] FROM docker.io/library/busybox"
  static let failingName = "[3/3] RUN false"
  static let sleeperName = "[fetch 2/2] RUN sleep 100"

  static let layer = "sha256:9ad63333ebc9"
  static let failure = "process \"/bin/sh -c false\" did not complete successfully: exit code: 1"

  static func layerStatus(
    _ current: Int64,
    at time: Double,
    completed: Bool = false
  ) -> Control.VertexStatus {
    Control.VertexStatus(
      id: Self.layer,
      vertex: Self.fetch,
      name: "downloading",
      current: current,
      total: 4_560_000,
      timestamp: at(time),
      started: at(0.6),
      completed: completed ? at(time) : nil
    )
  }

  static func log(_ vertex: String, _ text: String, at time: Double, stream: Int64 = 1)
    -> Control.VertexLog
  {
    Control.VertexLog(vertex: vertex, timestamp: at(time), stream: stream, msg: utf8(text))
  }

  /// The batches in the order the daemon sends them.
  static let batches: [Control.StatusResponse] = [
    // 1: the definition load starts and reports a transfer.
    Control.StatusResponse(
      vertexes: [Control.Vertex(digest: Self.load, name: Self.loadName, started: at(0))],
      statuses: [
        Control.VertexStatus(
          id: "transferring dockerfile:",
          vertex: Self.load,
          current: 32,
          timestamp: at(0.02),
          started: at(0)
        )
      ]
    ),
    // 2: the load finishes with a warning.
    Control.StatusResponse(
      vertexes: [
        Control.Vertex(digest: Self.load, name: Self.loadName, started: at(0), completed: at(0.1))
      ],
      statuses: [
        Control.VertexStatus(
          id: "transferring dockerfile:",
          vertex: Self.load,
          current: 68,
          timestamp: at(0.08),
          started: at(0),
          completed: at(0.08)
        )
      ],
      warnings: [
        Control.VertexWarning(
          vertex: Self.load,
          level: 1,
          short: utf8("FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)")
        )
      ]
    ),
    // 3: the base image is a cache hit and the RUN starts.
    Control.StatusResponse(vertexes: [
      Control.Vertex(
        digest: Self.base,
        name: Self.baseName,
        cached: true,
        started: at(0.2),
        completed: at(0.2)
      ),
      Control.Vertex(digest: Self.make, inputs: [Self.base], name: Self.makeName, started: at(0.3)),
    ]),
    // 4: half a line of output.
    Control.StatusResponse(logs: [Self.log(Self.make, "compil", at: 0.5)]),
    // 5: a parallel download starts.
    Control.StatusResponse(
      vertexes: [Control.Vertex(digest: Self.fetch, name: Self.fetchName, started: at(0.6))],
      statuses: [Self.layerStatus(1_234_567, at: 0.7)]
    ),
    // 6: the rest of the line, another half line, a stderr line, and too little download
    // progress to print.
    Control.StatusResponse(
      statuses: [Self.layerStatus(1_300_000, at: 1.0)],
      logs: [
        Self.log(Self.make, "ing main.c\nlinking", at: 0.9),
        Self.log(Self.make, "warning: unused\n", at: 1.0, stream: 2),
      ]
    ),
    // 7: enough download progress to print.
    Control.StatusResponse(statuses: [Self.layerStatus(2_500_000, at: 1.5)]),
    // 8: the RUN ends its last line and finishes.
    Control.StatusResponse(
      vertexes: [
        Control.Vertex(
          digest: Self.make,
          inputs: [Self.base],
          name: Self.makeName,
          started: at(0.3),
          completed: at(2.0)
        )
      ],
      logs: [Self.log(Self.make, "\n", at: 1.9)]
    ),
    // 9: the download finishes.
    Control.StatusResponse(
      vertexes: [
        Control.Vertex(
          digest: Self.fetch,
          name: Self.fetchName,
          started: at(0.6),
          completed: at(2.5)
        )
      ],
      statuses: [Self.layerStatus(4_560_000, at: 2.5, completed: true)]
    ),
    // 10: two more steps start; one writes a line and a half.
    Control.StatusResponse(
      vertexes: [
        Control.Vertex(digest: Self.failing, name: Self.failingName, started: at(2.6)),
        Control.Vertex(digest: Self.sleeper, name: Self.sleeperName, started: at(2.6)),
      ],
      logs: [Self.log(Self.failing, "step output\nno newline at end", at: 2.7)]
    ),
    // 11: one fails, and the build stops the other.
    Control.StatusResponse(vertexes: [
      Control.Vertex(
        digest: Self.failing,
        name: Self.failingName,
        started: at(2.6),
        completed: at(2.8),
        error: Self.failure
      ),
      Control.Vertex(
        digest: Self.sleeper,
        name: Self.sleeperName,
        started: at(2.6),
        completed: at(2.8),
        error: "context canceled"
      ),
    ]),
  ]
}
