import BuildKit
import Testing

@Suite("Terminal progress printer")
struct TTYProgressPrinterTests {
  static let clear = "\u{1B}[2K"
  static let clearBelow = "\u{1B}[J"

  static func up(_ lines: Int) -> String {
    "\u{1B}[\(lines)A"
  }

  /// The text without escape sequences, split into lines.
  static func visibleLines(_ text: String) -> [String] {
    var plain = ""
    var scalars = text.unicodeScalars.makeIterator()
    while let scalar = scalars.next() {
      guard scalar == "\u{1B}" else {
        plain.unicodeScalars.append(scalar)
        continue
      }
      // Skip `[`, parameters and the final letter.
      while let next = scalars.next(), !("A"..."Z").contains(next) {}
    }
    return plain.split(separator: "\n").map(String.init)
  }

  static func runScriptedBuild(width: Int, height: Int? = nil) -> OutputCapture {
    let capture = OutputCapture()
    var printer = TTYProgressPrinter(width: width, height: height, logLines: 2, sink: capture.sink)
    let start = ContinuousClock.now
    for (offset, batch) in ScriptedBuild.batches.enumerated() {
      let now = start.advanced(by: .milliseconds(250 * offset))
      printer.update(batch, now: now)
      printer.tick(now: now.advanced(by: .milliseconds(125)))
    }
    printer.finish(now: start.advanced(by: .seconds(3)))
    return capture
  }

  @Test("a step is redrawn in place as time passes, then settles into one line and a summary")
  func exactRedraws() {
    let capture = OutputCapture()
    var printer = TTYProgressPrinter(width: 40, sink: capture.sink)
    let start = ContinuousClock.now

    printer.update(
      Control.StatusResponse(vertexes: [Control.Vertex(digest: "a", name: "load", started: at(0))]),
      now: start
    )
    printer.tick(now: start.advanced(by: .milliseconds(1500)))
    printer.tick(now: start.advanced(by: .milliseconds(1520)))
    printer.update(
      Control.StatusResponse(vertexes: [
        Control.Vertex(digest: "a", name: "load", started: at(0), completed: at(1.8))
      ]),
      now: start.advanced(by: .seconds(2))
    )
    printer.finish(now: start.advanced(by: .milliseconds(2500)))

    let pad = { (count: Int) in String(repeating: " ", count: count) }
    #expect(
      capture.written == [
        Self.clear + "Building 0.0s, 0/1 steps done\n"
          + Self.clear + "#1 load" + pad(29) + "0.0s\n" + Self.clearBelow,
        Self.up(2) + Self.clear + "Building 1.5s, 0/1 steps done\n"
          + Self.clear + "#1 load" + pad(29) + "1.5s\n" + Self.clearBelow,
        Self.up(2) + Self.clear + "#1 DONE load" + pad(24) + "1.8s\n"
          + Self.clear + "Building 2.0s, 1/1 steps done\n" + Self.clearBelow,
        Self.up(1) + Self.clear + "Finished in 2.5s: 1 step, 0 cached\n" + Self.clearBelow,
      ]
    )
  }

  @Test("the scripted build shows running steps with their output and ends with the summary")
  func scriptedBuild() throws {
    let written = Self.runScriptedBuild(width: 100).written
    let all = written.joined()

    #expect(all.contains(Self.clear))
    #expect(written.dropFirst().allSatisfy { $0.hasPrefix("\u{1B}[") && $0.contains("A\u{1B}[2K") })

    // Batch 6 (written at 1.25 s): both running steps, the output and the open download row.
    let batch6 = Self.visibleLines(try #require(written.first { $0.contains("> warning: unused") }))
    #expect(batch6.contains { $0.hasPrefix("#3 [2/3] RUN make") && $0.hasSuffix(" 0.8s") })
    #expect(batch6.contains("  > compiling main.c"))
    #expect(batch6.contains("  sha256:9ad63333ebc9 1.30MB / 4.56MB 0.4s"))

    let lines = Self.visibleLines(all)
    for expected in [
      "#1 WARN: FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)",
      "#2 CACHED [1/3] FROM docker.io/library/alpine:3.19",
    ] {
      #expect(lines.contains(expected))
    }
    for prefix in ["#1 DONE [internal]", "#3 DONE [2/3] RUN make", "#5 ERROR [3/3] RUN false"] {
      #expect(lines.contains { $0.hasPrefix(prefix) })
    }
    #expect(lines.contains { $0.hasPrefix("#6 CANCELED [fetch 2/2] RUN sleep 100") })
    let error = try #require(lines.firstIndex { $0.hasPrefix("#5 ERROR") })
    #expect(lines[error + 1] == "  " + ScriptedBuild.failure)

    let summary = Self.visibleLines(try #require(written.last))
    #expect(
      summary == [
        "Finished in 3.0s: 6 steps, 1 cached, 1 failed, 1 canceled, 1 warning",
        "------",
        " > [3/3] RUN false:",
        "0.100 step output",
        "0.100 no newline at end",
        "------",
      ]
    )
  }

  @Test("no line drawn during the build is wider than the terminal")
  func widthIsRespected() {
    let written = Self.runScriptedBuild(width: 30).written
    for chunk in written.dropLast() {
      for line in Self.visibleLines(chunk) {
        #expect(line.count <= 30)
      }
    }
  }

  @Test("the live area stays below the terminal height")
  func heightIsRespected() {
    let written = Self.runScriptedBuild(width: 100, height: 4).written
    var moves: [Int] = []
    for chunk in written where chunk.hasPrefix("\u{1B}[") {
      let digits = chunk.dropFirst(2).prefix { $0.isNumber }
      guard chunk.dropFirst(2 + digits.count).first == "A", let lines = Int(digits) else {
        continue
      }
      moves.append(lines)
    }
    #expect(!moves.isEmpty)
    #expect(moves.allSatisfy { $0 <= 3 })
  }

  @Test("a tick that changes nothing on screen writes nothing")
  func idleTick() {
    let capture = OutputCapture()
    var printer = TTYProgressPrinter(width: 80, sink: capture.sink)
    let start = ContinuousClock.now
    printer.update(ScriptedBuild.batches[0], now: start)
    printer.tick(now: start.advanced(by: .milliseconds(10)))
    printer.tick(now: start.advanced(by: .milliseconds(20)))
    #expect(capture.written.count == 1)
  }
}
