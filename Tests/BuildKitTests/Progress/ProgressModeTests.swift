import BuildKit
import Testing

@Suite("Progress mode")
struct ProgressModeTests {
  @Test(
    "every mode name parses to its mode",
    arguments: [
      ("auto", ProgressMode.auto), ("tty", .tty), ("plain", .plain), ("rawjson", .rawjson),
      ("quiet", .quiet),
    ]
  )
  func parsing(name: String, mode: ProgressMode) throws {
    #expect(try ProgressMode(parsing: name) == mode)
  }

  @Test(
    "an unknown mode name is rejected with a message that names it",
    arguments: ["", "fancy", "TTY"])
  func unknownNames(name: String) {
    #expect {
      try ProgressMode(parsing: name)
    } throws: { error in
      guard let error = error as? BuildKitError else { return false }
      return error.code == .invalidArgument && error.message.contains("'\(name)'")
        && error.message.contains("rawjson")
    }
  }

  @Test(
    "auto resolves to tty on a terminal and to plain elsewhere; other modes stay",
    arguments: [
      (ProgressMode.auto, true, ProgressMode.tty), (.auto, false, .plain), (.plain, true, .plain),
      (.tty, false, .tty), (.quiet, true, .quiet), (.rawjson, true, .rawjson),
    ]
  )
  func resolution(mode: ProgressMode, terminal: Bool, expected: ProgressMode) {
    #expect(mode.resolved(outputIsTerminal: terminal) == expected)
  }

  @Test("each mode makes the matching printer")
  func printers() {
    let sink: @Sendable (String) -> Void = { _ in }
    #expect(ProgressMode.plain.makePrinter(sink: sink) is PlainProgressPrinter)
    #expect(ProgressMode.auto.makePrinter(sink: sink) is PlainProgressPrinter)
    #expect(ProgressMode.tty.makePrinter(width: 100, sink: sink) is TTYProgressPrinter)
    #expect(ProgressMode.rawjson.makePrinter(sink: sink) is RawJSONProgressPrinter)
    #expect(ProgressMode.quiet.makePrinter(sink: sink) is QuietProgressPrinter)
  }

  @Test("the quiet printer writes nothing for a whole build")
  func quietPrinter() {
    let capture = OutputCapture()
    var printer = ProgressMode.quiet.makePrinter(sink: capture.sink)
    for batch in ScriptedBuild.batches {
      printer.update(batch, now: .now)
      printer.tick(now: .now)
    }
    printer.finish(now: .now)
    #expect(capture.written.isEmpty)
  }

  @Test("a shared printer forwards batches, ticks and the end to the printer it wraps")
  func sharedPrinter() {
    let shared = OutputCapture()
    let direct = OutputCapture()
    let printer = SharedProgressPrinter(PlainProgressPrinter(interval: .zero, sink: shared.sink))
    var reference = PlainProgressPrinter(interval: .zero, sink: direct.sink)
    for batch in ScriptedBuild.batches {
      printer.update(batch)
      printer.tick()
      reference.update(batch, now: .now)
    }
    printer.finish()
    reference.finish(now: .now)
    #expect(!shared.text.isEmpty)
    #expect(shared.text == direct.text)
  }
}
