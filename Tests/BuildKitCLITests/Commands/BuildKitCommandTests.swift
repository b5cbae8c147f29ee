import Synchronization
import Testing

@testable import BuildKitCLI

@Suite("The buildkit program")
struct BuildKitCommandTests {
  /// Captures what a command writes.
  final class Captured: Sendable {
    let out = Mutex("")
    let error = Mutex("")

    var streams: OutputStreams {
      OutputStreams(
        writeOut: { text in self.out.withLock { $0 += text } },
        writeError: { text in self.error.withLock { $0 += text } }
      )
    }
  }

  private func run(_ arguments: [String], environment: [String: String] = [:]) async -> (
    Int32, String, String
  ) {
    let captured = Captured()
    let code = await BuildKitCommand.run(
      arguments,
      context: CommandContext(environment: environment, output: captured.streams)
    )
    return (code, captured.out.withLock { $0 }, captured.error.withLock { $0 })
  }

  @Test("--help lists every command and exits 0")
  func help() async {
    let (code, out, _) = await self.run(["--help"])
    #expect(code == 0)
    for command in ["info", "workers", "du", "prune", "build"] {
      #expect(out.contains("\n  \(command) "))
    }
  }

  @Test("--version prints the version on stdout")
  func version() async {
    let (code, out, _) = await self.run(["--version"])
    #expect(code == 0)
    #expect(out == "buildkit \(BuildKitCommand.version)\n")
  }

  @Test("each command's help names its options and the connection options")
  func commandHelp() async {
    let (code, out, _) = await self.run(["du", "--help"])
    #expect(code == 0)
    #expect(out.hasPrefix("Usage: buildkit du [OPTIONS]\n\nShow the daemon's build cache usage.\n"))
    #expect(out.contains("  --verbose, -v"))
    #expect(out.contains("  --tlscacert FILE"))
  }

  @Test(
    "usage mistakes exit 64 with the usage on stderr",
    arguments: [
      ["info", "--bogus"], ["frobnicate"], [], ["prune", "--keep-duration", "soon"],
      ["du", "--timeout", "abc"], ["du", "--format", "xml"],
    ]
  )
  func usageMistakes(arguments: [String]) async {
    let (code, out, error) = await self.run(arguments)
    #expect(code == 64)
    #expect(out.isEmpty)
    #expect(error.contains("Usage: buildkit"))
  }

  @Test("connection flags may come before the command, as buildctl takes them")
  func globalFlagsFirst() async {
    let (code, _, error) = await self.run([
      "--addr", "unix:///nonexistent/first.sock", "--timeout=1", "du",
    ])
    #expect(code == 1)
    #expect(error.contains("unix:///nonexistent/first.sock"))
  }

  @Test("an unreadable TLS file fails with exit 1 naming it, before connecting")
  func unreadableTLSFile() async {
    let (code, _, error) = await self.run([
      "info", "--addr", "tcp://127.0.0.1:9", "--tlscacert", "/nonexistent/ca.pem",
    ])
    #expect(code == 1)
    #expect(error.contains("/nonexistent/ca.pem"))
  }

  @Test("an unreachable daemon fails with exit 1 naming the address")
  func unreachableDaemon() async {
    let (code, _, error) = await self.run(
      ["du", "--timeout", "2"], environment: ["BUILDKIT_HOST": "unix:///nonexistent/bk.sock"])
    #expect(code == 1)
    #expect(error.contains("unix:///nonexistent/bk.sock"))
  }
}
