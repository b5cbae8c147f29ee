import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How `buildkit build` fails: exit status 1 for a failed build with a message that points at the
/// cause, 64 for a usage mistake, and local problems found before any connection.
@Suite("buildkit build reports failures", .requiresTestBed)
struct BuildErrorTests {
  /// An address nothing listens on: a test that passes with it never needed the daemon.
  static func unreachableAddress(_ folder: ScratchFolder) -> String {
    "unix://\(folder.url("nobody-listens.sock"))"
  }

  @Test("a Dockerfile syntax error exits 1 and shows the file, the line and the line marked >>>")
  func reportsSyntaxErrors() async throws {
    let bed = try TestBed.require()
    let folder = try ScratchFolder("syntax")
    defer { folder.remove() }
    try folder.file("ctx/build.Dockerfile", "FROM scratch\nCOPY a /a\nFROBNICATE now\nCOPY b /b\n")

    let output = try await BuildkitProgram.build(
      bed, ["--context", folder.url("ctx"), "--file", folder.url("ctx/build.Dockerfile")])

    #expect(output.status == 1, "\(output.buildReport)")
    let stderr = output.standardError
    #expect(stderr.contains("build.Dockerfile:3"), "\(stderr)")
    #expect(stderr.contains(">>> FROBNICATE now"), "\(stderr)")
    #expect(stderr.contains("COPY a /a"), "the lines around the error are shown: \(stderr)")
    #expect(stderr.contains("unknown instruction"), "\(stderr)")
  }

  @Test("a base image that is not in the registry exits 1 naming the image")
  func reportsAMissingBaseImage() async throws {
    let bed = try TestBed.require()
    let folder = try ScratchFolder("missing-base")
    defer { folder.remove() }
    let image = UniqueName.repository(in: bed.registry, "never-pushed") + ":latest"
    try folder.file("ctx/Dockerfile", "FROM \(image)\nRUN true\n")

    let output = try await BuildkitProgram.build(bed, ["--context", folder.url("ctx")])

    #expect(output.status == 1, "\(output.buildReport)")
    #expect(output.standardError.contains(image), "\(output.buildReport)")
  }

  /// Local inputs that are checked before connecting.
  enum MissingInput: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case contextDirectory = "context directory"
    case dockerfile = "Dockerfile in the context"
    case namedDockerfile = "--file"
    case localDirectory = "--local dockerfile=DIR"

    var testDescription: String { "a missing \(self.rawValue)" }

    /// The options, and the path the message must name.
    func arguments(_ folder: ScratchFolder) throws -> ([String], String) {
      try folder.file("ctx/file.txt", "x\n")
      switch self {
      case .contextDirectory:
        return (["--context", folder.url("no-such-dir")], folder.url("no-such-dir"))
      case .dockerfile:
        return (["--context", folder.url("ctx")], folder.url("ctx/Dockerfile"))
      case .namedDockerfile:
        return (
          ["--context", folder.url("ctx"), "--file", folder.url("ctx/missing.Dockerfile")],
          "missing.Dockerfile"
        )
      case .localDirectory:
        return (
          [
            "--local", "context=\(folder.url("ctx"))", "--local",
            "dockerfile=\(folder.url("no-dockerfile-dir"))",
          ], folder.url("no-dockerfile-dir")
        )
      }
    }
  }

  @Test("is reported before connecting, naming the path", arguments: MissingInput.allCases)
  func reportsMissingInputsBeforeConnecting(input: MissingInput) async throws {
    let folder = try ScratchFolder("missing-input")
    defer { folder.remove() }
    let (arguments, path) = try input.arguments(folder)

    let output = try await BuildkitProgram.run(
      ["build", "--addr", Self.unreachableAddress(folder), "--progress", "plain"] + arguments,
      timeout: .seconds(60))

    #expect(output.status == 1, "\(output.buildReport)")
    #expect(output.standardError.contains(path), "\(output.buildReport)")
    #expect(
      !output.standardError.contains("nobody-listens"), "it tried to connect: \(output.buildReport)"
    )
  }

  /// Flags that are a usage mistake.
  enum BadFlags: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case unknownFlag = "--no-such-flag"
    case unknownOutputType = "--output type=bogus"
    case localOutputWithoutDestination = "--output type=local"
    case secretWithoutID = "--secret src=FILE"
    case outputWithoutType = "--output dest=DIR"
    case positionalArgument = "a stray argument"

    var testDescription: String { self.rawValue }

    func arguments(_ folder: ScratchFolder) -> [String] {
      switch self {
      case .unknownFlag: ["--no-such-flag"]
      case .unknownOutputType: ["--output", "type=bogus,dest=\(folder.url("out"))"]
      case .localOutputWithoutDestination: ["--output", "type=local"]
      case .secretWithoutID: ["--secret", "src=\(folder.url("ctx/Dockerfile"))"]
      case .outputWithoutType: ["--output", "dest=\(folder.url("out"))"]
      case .positionalArgument: [folder.url("ctx")]
      }
    }
  }

  @Test("a usage mistake exits 64 before connecting", arguments: BadFlags.allCases)
  func rejectsBadFlags(flags: BadFlags) async throws {
    let folder = try ScratchFolder("bad-flags")
    defer { folder.remove() }
    try folder.file("ctx/Dockerfile", "FROM scratch\n")

    let output = try await BuildkitProgram.run(
      ["build", "--addr", Self.unreachableAddress(folder), "--context", folder.url("ctx")]
        + flags.arguments(folder),
      timeout: .seconds(60))

    #expect(output.status == 64, "\(output.buildReport)")
    #expect(output.standardError.contains("error:"), "\(output.buildReport)")
    #expect(
      !output.standardError.contains("nobody-listens"), "it tried to connect: \(output.buildReport)"
    )
  }

  @Test("a daemon killed during a RUN step makes the build fail soon, naming the daemon")
  func reportsADaemonKilledMidBuild() async throws {
    let bed = try TestBed.require()
    let base = try await BusyboxBaseImage.reference(bed)
    let folder = try ScratchFolder("killed")
    defer { folder.remove() }
    let marker = "btest-killed-\(UniqueName.token())"
    try folder.file("ctx/Dockerfile", "FROM \(base)\nRUN sleep 60 && echo \(marker)\n")
    let daemon = try await PrivateBuildkitd(bed)

    enum Event: Sendable {
      case finished(ProcessOutput)
      case failed(String)
      case killed
      case neverStarted
      case deadline
    }
    // Three racers: the build, a watcher that kills the daemon once the step runs, and (after the
    // kill) a deadline. The events come back in the order they happened.
    let events = await withTaskGroup(of: Event.self) { group in
      group.addTask {
        do {
          return .finished(
            try await BuildkitProgram.run(
              [
                "build", "--addr", daemon.address, "--progress", "plain", "--context",
                folder.url("ctx"),
              ], timeout: .seconds(150)))
        } catch {
          return .failed("\(error)")
        }
      }
      group.addTask {
        // The step has started once its shell runs under the daemon.
        for _ in 0..<600 {
          if daemon.descendants().contains(where: { Self.commandLine(of: $0).contains(marker) }) {
            daemon.killHard()
            return .killed
          }
          guard (try? await Task.sleep(for: .milliseconds(100))) != nil else { break }
        }
        return .neverStarted
      }
      var events: [Event] = []
      while let event = await group.next() {
        events.append(event)
        if case .killed = event {
          group.addTask {
            try? await Task.sleep(for: .seconds(20))
            return .deadline
          }
          continue
        }
        group.cancelAll()
      }
      return events
    }
    await daemon.destroy()

    guard case .killed = events.first else {
      Issue.record("the RUN step was not seen running before the build ended: \(events)")
      return
    }
    guard events.count > 1, case .finished(let output) = events[1] else {
      Issue.record("buildkit build did not exit within 20 s after the daemon was killed: \(events)")
      return
    }
    #expect(output.status != 0, "\(output.buildReport)")
    #expect(!output.signaled, "\(output.buildReport)")
    #expect(output.standardError.contains(daemon.address), "\(output.buildReport)")
  }

  /// A process's command line with its arguments joined by spaces, or empty.
  static func commandLine(of pid: Int32) -> String {
    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
    return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
  }
}
