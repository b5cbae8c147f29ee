import BuildKit
import Foundation
import Testing

/// `BuildKitClient.build` used as a library: one client, one channel, many builds; and a build
/// that is stopped by cancelling its task.
@Suite("BuildKitClient runs builds", .requiresTestBed)
struct LibraryBuildTests {
  /// A context whose one file names the build, and a request that exports it to `out-NAME`.
  static func request(_ folder: ScratchFolder, _ name: String) throws -> BuildRequest {
    try folder.file("\(name)/ctx/id.txt", "build \(name)\n")
    try folder.file("\(name)/ctx/Dockerfile", "FROM scratch\nCOPY id.txt /\(name).txt\n")
    return BuildRequest(
      localDirectories: [
        "context": folder.url("\(name)/ctx"), "dockerfile": folder.url("\(name)/ctx"),
      ],
      exports: [.init(type: "local", destination: .directory(folder.url("out-\(name)")))])
  }

  @Test("one client runs builds one after another and several at once on its one channel")
  func runsSequentialAndConcurrentBuilds() async throws {
    let bed = try TestBed.require()
    let folder = try ScratchFolder("library")
    defer { folder.remove() }
    let client = try BuildKitClient(address: bed.unixAddress)
    defer { client.close() }

    for name in ["first", "second", "third"] {
      _ = try await client.build(try Self.request(folder, name))
      #expect(folder.text("out-\(name)/\(name).txt") == "build \(name)\n")
    }

    let names = (1...4).map { "parallel-\($0)" }
    let requests = try names.map { try Self.request(folder, $0) }
    let batches = try await withThrowingTaskGroup(of: Int.self) { group in
      for request in requests {
        group.addTask {
          let (_, count) = try await client.build(request) { updates in
            await updates.reduce(0) { count, _ in count + 1 }
          }
          return count
        }
      }
      return try await group.reduce(into: [Int]()) { $0.append($1) }
    }
    #expect(batches.count == 4)
    #expect(batches.allSatisfy { $0 > 0 }, "progress batches per build: \(batches)")
    for name in names {
      #expect(try FileTree(folder.url("out-\(name)")).paths == ["\(name).txt"])
      #expect(folder.text("out-\(name)/\(name).txt") == "build \(name)\n")
    }
  }

  @Test("cancelling the task of a running build ends the call and the solve on the daemon")
  func cancellingTheTaskStopsTheSolve() async throws {
    let bed = try TestBed.require()
    let base = try await BusyboxBaseImage.reference(bed)
    let folder = try ScratchFolder("cancel")
    defer { folder.remove() }
    let marker = "btest-cancel-\(UniqueName.token())"
    // The shell stays the parent of sleep (it has more to run), so its command line shows the
    // marker for as long as the step runs. The build is cancelled once that shell runs: BuildKit
    // v0.13 itself loses a cancellation that arrives between the step's start and its container's
    // start (buildctl interrupted at that moment leaves the step running too).
    try folder.file("ctx/Dockerfile", "FROM \(base)\nRUN sleep 60 && echo \(marker)\n")
    let ref = "btestcancel\(UniqueName.token())"
    let request = BuildRequest(
      localDirectories: ["context": folder.url("ctx"), "dockerfile": folder.url("ctx")], ref: ref)
    let client = try BuildKitClient(address: bed.unixAddress)
    defer { client.close() }

    enum Outcome: Sendable {
      case returned(String?)
      case stepNeverStarted
      case deadline
    }
    let (cancelled, cancelledContinuation) = AsyncStream<Void>.makeStream()
    let outcome = await withTaskGroup(of: Outcome.self) { outer in
      outer.addTask {
        await withTaskGroup(of: Outcome?.self) { inner in
          inner.addTask {
            do {
              _ = try await client.build(request)
              return .returned(nil)
            } catch let error as BuildKitError where error.code == .cancelled {
              return .returned("cancelled")
            } catch is CancellationError {
              return .returned("cancelled")
            } catch {
              return .returned("\(error)")
            }
          }
          inner.addTask {
            for _ in 0..<900 {
              if Self.processExists(containing: marker) { return nil }
              guard (try? await Task.sleep(for: .milliseconds(100))) != nil else { break }
            }
            return .stepNeverStarted
          }
          // Whatever comes first: the step runs (nil), or the build ended, or it never ran.
          let first = await inner.next() ?? nil
          inner.cancelAll()
          cancelledContinuation.yield()
          if let first { return first }
          while let next = await inner.next() {
            if let next, case .returned = next { return next }
          }
          return .stepNeverStarted
        }
      }
      outer.addTask {
        for await _ in cancelled { break }
        try? await Task.sleep(for: .seconds(20))
        return .deadline
      }
      let first = await outer.next() ?? .deadline
      outer.cancelAll()
      cancelledContinuation.finish()
      return first
    }

    switch outcome {
    case .returned("cancelled"):
      break
    case .returned(let other):
      Issue.record("the build ended without a cancellation error: \(other ?? "success")")
    case .stepNeverStarted:
      Issue.record("the RUN step was never seen running")
    case .deadline:
      Issue.record("the build call did not return within 20 s of the cancellation")
    }

    // The daemon must stop the step: its shell goes away and the build record is completed.
    var running = true
    var completed = false
    for _ in 0..<100 where running || !completed {
      running = Self.processExists(containing: marker)
      completed = try await Self.historyShowsCompleted(bed, ref: ref)
      if running || !completed { try await Task.sleep(for: .milliseconds(200)) }
    }
    #expect(!running, "the RUN step still runs on the daemon after the cancellation")
    #expect(completed, "buildctl debug histories does not show build \(ref) as completed")
  }

  /// Whether any process's command line contains `marker`.
  static func processExists(containing marker: String) -> Bool {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.contains { name in
      guard Int32(name) != nil,
        let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline")
      else { return false }
      return String(decoding: data, as: UTF8.self).contains(marker)
    }
  }

  /// Whether daemon a's build history has a completed record for `ref`.
  static func historyShowsCompleted(_ bed: TestBed, ref: String) async throws -> Bool {
    let output = try await bed.buildctl(
      .unix, ["debug", "histories", "--format", "{{json .}}"], timeout: .seconds(30))
    guard output.succeeded else { return false }
    for line in output.standardOutput.split(separator: "\n") {
      guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
        let record = object["record"] as? [String: Any],
        record["Ref"] as? String == ref
      else { continue }
      return record["CompletedAt"] != nil
    }
    return false
  }
}
