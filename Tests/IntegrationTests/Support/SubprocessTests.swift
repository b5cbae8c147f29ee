import Foundation
import Testing

@Suite("Subprocess")
struct SubprocessTests {
  @Test("a subprocess's exit status, standard output and standard error are all captured")
  func capturesStatusAndBothStreams() async throws {
    let output = try await Subprocess.run(
      "/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], timeout: .seconds(30))
    #expect(output.status == 3)
    #expect(!output.signaled)
    #expect(!output.succeeded)
    #expect(output.standardOutput == "out\n")
    #expect(output.standardError == "err\n")
  }

  @Test("standard input reaches the subprocess and is then closed")
  func feedsStandardInput() async throws {
    let output = try await Subprocess.run(
      "cat", [], input: Data("line one\nline two\n".utf8), timeout: .seconds(30))
    #expect(output.succeeded)
    #expect(output.standardOutput == "line one\nline two\n")
  }

  @Test("a subprocess without input reads end of file at once")
  func givesNoInputByDefault() async throws {
    let output = try await Subprocess.run("wc", ["-c"], timeout: .seconds(30))
    #expect(output.succeeded)
    #expect(output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
  }

  @Test("a megabyte of output on each stream arrives whole")
  func drainsLargeOutput() async throws {
    let output = try await Subprocess.run(
      "/bin/sh", ["-c", "head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2"],
      timeout: .seconds(60))
    #expect(output.succeeded)
    #expect(output.stdout.count == 1_048_576)
    #expect(output.stderr.count == 1_048_576)
  }

  @Test("variables given to the subprocess are added to the inherited environment")
  func addsEnvironment() async throws {
    let output = try await Subprocess.run(
      "/bin/sh", ["-c", "printf '%s %s' \"$SUBPROCESS_TEST_VALUE\" \"${PATH:+has-path}\""],
      environment: ["SUBPROCESS_TEST_VALUE": "given"], timeout: .seconds(30))
    #expect(output.standardOutput == "given has-path")
  }

  @Test("a subprocess that outlives its deadline is stopped and reported with its output so far")
  func stopsAtTheDeadline() async throws {
    let error = await #expect(throws: SubprocessError.self) {
      _ = try await Subprocess.run(
        "/bin/sh", ["-c", "echo started; exec sleep 600"], timeout: .milliseconds(500))
    }
    #expect(error?.code == .timedOut)
    #expect(error?.output?.standardOutput == "started\n")
    #expect(error?.output?.signaled == true)
  }

  @Test("a subprocess whose task is cancelled is stopped and reported as cancelled")
  func stopsWhenCancelled() async throws {
    typealias Outcome = Result<ProcessOutput, SubprocessError>
    let outcome: Outcome? = await withTaskGroup(of: Outcome.self) { group in
      group.addTask {
        do throws(SubprocessError) {
          return .success(
            try await Subprocess.run(
              "/bin/sh", ["-c", "echo started; exec sleep 600"], timeout: .seconds(600)))
        } catch {
          return .failure(error)
        }
      }
      group.cancelAll()
      return await group.next()
    }
    let result = try #require(outcome)
    #expect(throws: SubprocessError.self) { try result.get() }
    if case .failure(let error) = result {
      #expect(error.code == .cancelled)
    }
  }

  #if os(Linux)
    @Test("a subprocess starts with no signal blocked, whatever thread spawned it")
    func startsWithNoSignalBlocked() async throws {
      let output = try await Subprocess.run(
        "grep", ["^SigBlk:", "/proc/self/status"], timeout: .seconds(30))
      #expect(output.succeeded)
      #expect(output.standardOutput.hasSuffix("0000000000000000\n"), "\(output.standardOutput)")
    }
  #endif

  @Test(
    "a program that does not exist is reported instead of started",
    arguments: [
      "no-such-program-for-subprocess-tests", "/nonexistent/bin/tool",
    ])
  func reportsMissingPrograms(_ name: String) async throws {
    let error = await #expect(throws: SubprocessError.self) {
      _ = try await Subprocess.run(name, [], timeout: .seconds(5))
    }
    #expect(error?.code == .notFound)
    #expect(error?.message.contains(name) == true)
  }
}
