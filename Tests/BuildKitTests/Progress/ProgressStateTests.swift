import BuildKit
import Testing

@Suite("Progress state")
struct ProgressStateTests {
  @Test("a re-sent vertex replaces the earlier copy's name, cache flag and error")
  func lastVertexWins() throws {
    var state = ProgressState()
    state.apply(
      Control.StatusResponse(vertexes: [
        Control.Vertex(digest: "sha256:1", name: "old name", started: at(0))
      ])
    )
    let touched = state.apply(
      Control.StatusResponse(vertexes: [
        Control.Vertex(
          digest: "sha256:1",
          name: "new name",
          started: at(0),
          completed: at(1),
          error: "exit code: 2"
        )
      ])
    )

    let step = try #require(state.step(.vertex("sha256:1")))
    #expect(touched == [.vertex("sha256:1")])
    #expect(state.steps.count == 1)
    #expect(step.name == "new name")
    #expect(step.error == "exit code: 2")
    #expect(step.started == at(0))
    #expect(step.completed == at(1))
    #expect(step.phase == .failed)
    #expect(state.vertex("sha256:1")?.name == "new name")
  }

  @Test(
    "a step's phase follows its times, cache flag and error",
    arguments: [
      (Control.Vertex(digest: "d"), ProgressStep.Phase.waiting),
      (Control.Vertex(digest: "d", started: at(0)), .running),
      (Control.Vertex(digest: "d", started: at(0), completed: at(1)), .done),
      (Control.Vertex(digest: "d", cached: true, started: at(0), completed: at(0)), .cached),
      (
        Control.Vertex(digest: "d", started: at(0), completed: at(1), error: "exit code: 1"),
        .failed
      ),
      (
        Control.Vertex(
          digest: "d", started: at(0), completed: at(1),
          error: "failed to compute cache key: context canceled"),
        .cancelled
      ),
    ]
  )
  func phases(vertex: Control.Vertex, phase: ProgressStep.Phase) {
    var state = ProgressState()
    state.apply(Control.StatusResponse(vertexes: [vertex]))
    #expect(state.step(.vertex("d"))?.phase == phase)
    #expect(phase.isFinished == ![.waiting, .running].contains(phase))
  }

  @Test("status rows are keyed by vertex and id and updated in place")
  func statusRows() throws {
    var state = ProgressState()
    state.apply(
      Control.StatusResponse(
        vertexes: [Control.Vertex(digest: "v", started: at(0))],
        statuses: [
          Control.VertexStatus(id: "a", vertex: "v", current: 1),
          Control.VertexStatus(id: "b", vertex: "v", current: 2),
        ]
      ))
    state.apply(
      Control.StatusResponse(statuses: [
        Control.VertexStatus(id: "a", vertex: "v", current: 10, total: 20, completed: at(2))
      ]))

    let step = try #require(state.step(.vertex("v")))
    #expect(step.statuses.map(\.id) == ["a", "b"])
    #expect(step.statuses.map(\.current) == [10, 2])
    #expect(step.statuses[0].completed == at(2))
  }

  @Test("log chunks become lines per stream, whatever the chunking")
  func logLines() throws {
    var state = ProgressState()
    state.apply(
      Control.StatusResponse(
        vertexes: [Control.Vertex(digest: "v", started: at(0))],
        logs: [
          ScriptedBuild.log("v", "hel", at: 1),
          ScriptedBuild.log("v", "oops", at: 2, stream: 2),
          ScriptedBuild.log("v", "lo\r\nwor", at: 3),
        ]
      ))
    state.apply(
      Control.StatusResponse(logs: [
        ScriptedBuild.log("v", "\n", at: 4, stream: 2),
        ScriptedBuild.log("v", "ld\n\n", at: 5),
      ]))

    let lines = try #require(state.step(.vertex("v"))).logLines
    #expect(lines.map(\.text) == ["hello", "oops", "world", ""])
    #expect(lines.map(\.stream) == [1, 2, 1, 1])
    #expect(lines.map(\.timestamp) == [at(1), at(2), at(3), at(5)])
  }

  @Test("an unfinished last line is released when its vertex finishes or on request")
  func partialLines() throws {
    var state = ProgressState()
    state.apply(
      Control.StatusResponse(
        vertexes: [
          Control.Vertex(digest: "a", started: at(0)),
          Control.Vertex(digest: "b", started: at(0)),
        ],
        logs: [
          ScriptedBuild.log("a", "tail of a", at: 1), ScriptedBuild.log("b", "tail of b", at: 1),
        ]
      ))
    #expect(state.step(.vertex("a"))?.logLines.isEmpty == true)

    state.apply(
      Control.StatusResponse(vertexes: [
        Control.Vertex(digest: "a", started: at(0), completed: at(2))
      ]))
    #expect(state.step(.vertex("a"))?.logLines.map(\.text) == ["tail of a"])
    #expect(state.step(.vertex("b"))?.logLines.isEmpty == true)

    #expect(state.flushPartialLines() == [.vertex("b")])
    #expect(state.step(.vertex("b"))?.logLines.map(\.text) == ["tail of b"])
    #expect(state.flushPartialLines().isEmpty)
  }

  @Test("invalid UTF-8 in output is replaced, not dropped")
  func invalidUTF8() throws {
    var state = ProgressState()
    state.apply(
      Control.StatusResponse(logs: [
        Control.VertexLog(vertex: "v", timestamp: at(0), stream: 1, msg: [0x61, 0xFF, 0x62, 0x0A])
      ]))
    #expect(state.step(.vertex("v"))?.logLines.map(\.text) == ["a\u{FFFD}b"])
  }

  @Test("warnings collect per step in arrival order")
  func warnings() {
    var state = ProgressState()
    state.apply(
      Control.StatusResponse(warnings: [
        Control.VertexWarning(vertex: "v", level: 1, short: utf8("first")),
        Control.VertexWarning(vertex: "v", level: 1, short: utf8("second")),
      ]))
    #expect(state.step(.vertex("v"))?.warnings.map(\.short) == [utf8("first"), utf8("second")])
  }

  @Test("vertices sharing a progress group fold into one step that summarizes them")
  func progressGroups() throws {
    var state = ProgressState()
    let group = LLB.ProgressGroup(id: "g", name: "group row")
    state.apply(
      Control.StatusResponse(vertexes: [
        Control.Vertex(
          digest: "a", name: "a", cached: true, started: at(1), completed: at(3),
          progressGroup: group),
        Control.Vertex(digest: "b", name: "b", started: at(2), progressGroup: group),
        Control.Vertex(digest: "c", name: "outside", started: at(0)),
      ]))

    var step = try #require(state.step(.group("g")))
    #expect(state.steps.map(\.id) == [.group("g"), .vertex("c")])
    #expect(state.stepID(containing: "b") == .group("g"))
    #expect(step.name == "group row")
    #expect(step.vertexDigests == ["a", "b"])
    #expect(step.started == at(1))
    #expect(step.phase == .running)

    state.apply(
      Control.StatusResponse(vertexes: [
        Control.Vertex(
          digest: "b", name: "b", started: at(2), completed: at(5), progressGroup: group)
      ]))
    step = try #require(state.step(.group("g")))
    #expect(step.phase == .done)
    #expect(step.completed == at(5))
    #expect(step.duration == 4)

    state.apply(
      Control.StatusResponse(vertexes: [
        Control.Vertex(
          digest: "b", name: "b", started: at(2), completed: at(5), error: "boom",
          progressGroup: group)
      ]))
    #expect(state.step(.group("g"))?.phase == .failed)
    #expect(state.step(.group("g"))?.error == "boom")
  }

  @Test("a group whose started vertices are all weak stays hidden until one fails")
  func weakGroups() {
    var state = ProgressState()
    let weak = LLB.ProgressGroup(id: "w", name: "weak row", weak: true)
    state.apply(
      Control.StatusResponse(vertexes: [
        Control.Vertex(digest: "a", started: at(0), progressGroup: weak)
      ]))
    #expect(state.step(.group("w"))?.isHidden == true)

    state.apply(
      Control.StatusResponse(vertexes: [
        Control.Vertex(
          digest: "a", started: at(0), completed: at(1), error: "bad", progressGroup: weak)
      ]))
    #expect(state.step(.group("w"))?.isHidden == false)
  }

  @Test("a vertex re-sent with a new start stays running until every run has finished")
  func runIntervals() throws {
    var state = ProgressState()
    state.apply(
      Control.StatusResponse(vertexes: [
        Control.Vertex(digest: "v", name: "COPY", started: at(1)),
        Control.Vertex(digest: "v", name: "COPY", cached: true, started: at(2), completed: at(2)),
      ])
    )
    var step = try #require(state.step(.vertex("v")))
    #expect(step.phase == .running)
    #expect(step.started == at(1))
    #expect(step.completed == nil)

    state.apply(
      Control.StatusResponse(vertexes: [
        Control.Vertex(
          digest: "v", name: "COPY", started: at(1), completed: at(4),
          error: "context canceled: context canceled")
      ])
    )
    step = try #require(state.step(.vertex("v")))
    #expect(step.phase == .cancelled)
    #expect(step.completed == at(4))
    #expect(step.duration == 3)
  }

  @Test("a vertex that finished and started again runs again, and its time adds up")
  func reopenedVertex() throws {
    var state = ProgressState()
    state.apply(
      Control.StatusResponse(vertexes: [
        Control.Vertex(digest: "v", started: at(0), completed: at(0.5))
      ])
    )
    #expect(state.step(.vertex("v"))?.phase == .done)

    state.apply(Control.StatusResponse(vertexes: [Control.Vertex(digest: "v", started: at(1))]))
    #expect(state.step(.vertex("v"))?.phase == .running)

    state.apply(
      Control.StatusResponse(vertexes: [
        Control.Vertex(digest: "v", started: at(1), completed: at(2.5))
      ])
    )
    let step = try #require(state.step(.vertex("v")))
    #expect(step.phase == .done)
    #expect(step.duration == 2)
  }
}
