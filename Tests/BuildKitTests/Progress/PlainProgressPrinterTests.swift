import BuildKit
import Testing

@Suite("Plain progress printer")
struct PlainProgressPrinterTests {
  /// The whole plain output of the scripted build.
  static let golden = """
    #1 [internal] load build definition from Dockerfile
    #1 transferring dockerfile: 32B 0.0s
    #1 transferring dockerfile: 68B 0.1s done
    #1 WARN: FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)
    #1 DONE 0.1s

    #2 [1/3] FROM docker.io/library/alpine:3.19
    #2 CACHED

    #3 [2/3] RUN make
    #3 ...

    #4 [fetch 1/2] FROM docker.io/library/busybox
    #4 sha256:9ad63333ebc9 1.23MB / 4.56MB 0.1s
    #4 ...

    #3 [2/3] RUN make
    #3 0.200 compiling main.c
    #3 0.700 warning: unused
    #3 ...

    #4 [fetch 1/2] FROM docker.io/library/busybox
    #4 sha256:9ad63333ebc9 2.50MB / 4.56MB 0.9s
    #4 ...

    #3 [2/3] RUN make
    #3 0.600 linking
    #3 DONE 1.7s

    #4 [fetch 1/2] FROM docker.io/library/busybox
    #4 sha256:9ad63333ebc9 4.56MB / 4.56MB 1.9s done
    #4 DONE 1.9s

    #5 [3/3] RUN false
    #5 0.100 step output
    #5 ...

    #6 [fetch 2/2] RUN sleep 100
    #6 ...

    #5 [3/3] RUN false
    #5 0.100 no newline at end
    #5 ERROR: process "/bin/sh -c false" did not complete successfully: exit code: 1

    #6 [fetch 2/2] RUN sleep 100
    #6 CANCELED
    ------
     > [3/3] RUN false:
    0.100 step output
    0.100 no newline at end
    ------

    """

  static func run(prefix: String = "") -> OutputCapture {
    let capture = OutputCapture()
    var printer = PlainProgressPrinter(prefix: prefix, sink: capture.sink)
    let start = ContinuousClock.now
    for (offset, batch) in ScriptedBuild.batches.enumerated() {
      printer.update(batch, now: start.advanced(by: .milliseconds(250 * offset)))
    }
    printer.finish(now: start.advanced(by: .seconds(3)))
    return capture
  }

  @Test("the scripted build prints the expected blocks, switches and failure summary")
  func goldenOutput() {
    #expect(Self.run().text == Self.golden)
  }

  @Test("a batch that completes no line and changes nothing visible writes nothing")
  func silentBatches() {
    // 11 batches and the summary, minus batch 4 (half a line) which writes nothing.
    #expect(Self.run().written.count == 11)
  }

  @Test("a prefix starts every non-empty line and leaves blank lines blank")
  func prefixedOutput() {
    let prefix = "linux/arm64 "
    let lines = Self.run(prefix: prefix).text.split(
      separator: "\n", omittingEmptySubsequences: false)
    let expected = Self.golden.split(separator: "\n", omittingEmptySubsequences: false)

    #expect(lines.count == expected.count)
    for (line, plain) in zip(lines, expected) {
      #expect(line == (plain.isEmpty ? "" : prefix + plain))
    }
  }

  @Test("a status row without total prints its current size only, and none without either")
  func statusRowsWithoutTotal() {
    let capture = OutputCapture()
    var printer = PlainProgressPrinter(interval: .zero, sink: capture.sink)
    printer.update(
      Control.StatusResponse(
        vertexes: [Control.Vertex(digest: "sha256:1", name: "exporting to image", started: at(0))],
        statuses: [
          Control.VertexStatus(
            id: "exporting layers", vertex: "sha256:1", timestamp: at(0.005),
            started: at(0), completed: at(0.005)),
          Control.VertexStatus(
            id: "writing image", vertex: "sha256:1", current: 999,
            timestamp: at(1.25), started: at(0)),
          Control.VertexStatus(
            id: "naming", vertex: "sha256:1", current: 1_000,
            timestamp: at(12), started: at(0)),
        ]
      ),
      now: .now
    )

    #expect(
      capture.text == """
        #1 exporting to image
        #1 exporting layers done
        #1 writing image 999B 1.2s
        #1 naming 1.00kB 12.0s

        """
    )
  }

  @Test("a running status row is printed again after five seconds without much progress")
  func statusReprintAfterSilence() {
    let capture = OutputCapture()
    var printer = PlainProgressPrinter(interval: .zero, sink: capture.sink)
    let row = { (current: Int64, time: Double) in
      Control.VertexStatus(
        id: "layer", vertex: "sha256:1", current: current, total: 1_000_000,
        timestamp: at(time), started: at(0))
    }
    printer.update(
      Control.StatusResponse(
        vertexes: [Control.Vertex(digest: "sha256:1", name: "pull", started: at(0))],
        statuses: [row(100_000, 1)]
      ),
      now: .now
    )
    printer.update(Control.StatusResponse(statuses: [row(110_000, 3)]), now: .now)
    printer.update(Control.StatusResponse(statuses: [row(120_000, 6)]), now: .now)

    #expect(
      capture.text == """
        #1 pull
        #1 layer 100.00kB / 1.00MB 1.0s
        #1 layer 120.00kB / 1.00MB 6.0s

        """
    )
  }

  @Test("log offsets use three decimals below 10 s, two below 100 s and one above")
  func logOffsetPrecision() {
    let capture = OutputCapture()
    var printer = PlainProgressPrinter(interval: .zero, sink: capture.sink)
    printer.update(
      Control.StatusResponse(
        vertexes: [Control.Vertex(digest: "sha256:1", name: "RUN slow", started: at(0))],
        logs: [
          ScriptedBuild.log("sha256:1", "a\n", at: 9.5),
          ScriptedBuild.log("sha256:1", "b\n", at: 42.25),
          ScriptedBuild.log("sha256:1", "c\r\n", at: 123.25),
        ]
      ),
      now: .now
    )

    #expect(capture.text == "#1 RUN slow\n#1 9.500 a\n#1 42.25 b\n#1 123.2 c\n")
  }

  @Test("the vertices of a progress group print as one step named by the group")
  func progressGroupStep() {
    let capture = OutputCapture()
    var printer = PlainProgressPrinter(interval: .zero, sink: capture.sink)
    let group = LLB.ProgressGroup(id: "g1", name: "[internal] load metadata")
    printer.update(
      Control.StatusResponse(vertexes: [
        Control.Vertex(digest: "sha256:1", name: "one", started: at(0), progressGroup: group),
        Control.Vertex(digest: "sha256:2", name: "two", started: at(0.5), progressGroup: group),
      ]),
      now: .now
    )
    printer.update(
      Control.StatusResponse(vertexes: [
        Control.Vertex(
          digest: "sha256:1", name: "one", started: at(0), completed: at(1),
          progressGroup: group),
        Control.Vertex(
          digest: "sha256:2", name: "two", started: at(0.5), completed: at(2),
          progressGroup: group),
      ]),
      now: .now
    )

    #expect(capture.text == "#1 [internal] load metadata\n#1 DONE 2.0s\n")
  }

  /// The start of a real Status stream: the daemon closes the definition load and reopens it a
  /// moment later with a new start time.
  static let reopened: [Control.StatusResponse] = [
    Control.StatusResponse(vertexes: [Control.Vertex(digest: "d", name: "load")]),
    Control.StatusResponse(vertexes: [
      Control.Vertex(digest: "d", name: "load", started: at(0), completed: at(0.0001))
    ]),
    Control.StatusResponse(vertexes: [Control.Vertex(digest: "d", name: "load", started: at(0.001))]
    ),
    Control.StatusResponse(
      vertexes: [Control.Vertex(digest: "d", name: "load", started: at(0.001), completed: at(0.05))]
    ),
  ]

  @Test("a vertex closed and reopened within the write interval prints as one block")
  func coalescedReopen() {
    let capture = OutputCapture()
    var printer = PlainProgressPrinter(sink: capture.sink)
    let start = ContinuousClock.now
    for (offset, batch) in Self.reopened.enumerated() {
      printer.update(batch, now: start.advanced(by: .milliseconds(offset)))
    }
    #expect(capture.written.isEmpty)

    printer.tick(now: start.advanced(by: .milliseconds(50)))
    #expect(capture.written.isEmpty)
    printer.tick(now: start.advanced(by: .milliseconds(100)))
    #expect(capture.text == "#1 load\n#1 DONE 0.0s\n")

    printer.tick(now: start.advanced(by: .milliseconds(300)))
    printer.finish(now: start.advanced(by: .milliseconds(400)))
    #expect(capture.written.count == 1)
  }

  @Test("without an interval every batch is written, reopening included")
  func uncoalescedReopen() {
    let capture = OutputCapture()
    var printer = PlainProgressPrinter(interval: .zero, sink: capture.sink)
    for batch in Self.reopened {
      printer.update(batch, now: .now)
    }
    #expect(capture.text == "#1 load\n#1 DONE 0.0s\n\n#1 load\n#1 DONE 0.0s\n")
  }

  @Test("held-back output is written by finish even before the interval has passed")
  func finishWritesPending() {
    let capture = OutputCapture()
    var printer = PlainProgressPrinter(sink: capture.sink)
    let start = ContinuousClock.now
    printer.update(Self.reopened[0], now: start)
    printer.update(Self.reopened[3], now: start.advanced(by: .milliseconds(1)))
    printer.finish(now: start.advanced(by: .milliseconds(2)))
    #expect(capture.text == "#1 load\n#1 DONE 0.0s\n")
  }
}
