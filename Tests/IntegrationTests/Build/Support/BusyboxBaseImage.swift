// The base image for RUN steps. There is no internet here, so the tests make their own: a
// busybox root file system from `Scripts/make-busybox-rootfs`, built `FROM scratch` + `COPY
// rootfs/ /` with our own `buildkit build --tag ... --push` into a repository of this test run.
//
// It is built at most once per test process. The first test that asks builds it while every
// other caller waits for that one build; an image that is already in the registry (an earlier
// attempt of the same process) is reused. Its repository is unique to the run, so parallel runs
// on the same registry never see each other's base image.

import Foundation
import Synchronization

/// The shared busybox base image of this test run.
enum BusyboxBaseImage {
  private enum State {
    case idle
    case building([CheckedContinuation<String, any Error>])
    case done(Result<String, any Error>)
  }

  private static let state = Mutex(State.idle)

  /// The image's reference, `127.0.0.1:5000/btest-RUN/busybox:latest`, building and pushing it
  /// on first use.
  ///
  /// - Parameter bed: The test bed whose registry and daemon a are used.
  /// - Returns: The reference to use in `FROM`.
  /// - Throws: What the one build threw, to every caller.
  static func reference(_ bed: TestBed) async throws -> String {
    let builds = Self.state.withLock { state -> Bool in
      guard case .idle = state else { return false }
      state = .building([])
      return true
    }
    guard builds else {
      return try await withCheckedThrowingContinuation { continuation in
        Self.state.withLock { state in
          switch state {
          case .done(let result):
            continuation.resume(with: result)
          case .building(var waiters):
            waiters.append(continuation)
            state = .building(waiters)
          case .idle:
            continuation.resume(
              throwing: ScratchError(message: "the busybox base image build was never started"))
          }
        }
      }
    }
    let result: Result<String, any Error>
    do {
      result = .success(try await self.build(bed))
    } catch {
      result = .failure(error)
    }
    let waiters = Self.state.withLock { state -> [CheckedContinuation<String, any Error>] in
      guard case .building(let waiters) = state else { return [] }
      state = .done(result)
      return waiters
    }
    for waiter in waiters {
      waiter.resume(with: result)
    }
    return try result.get()
  }

  /// The package root, found from this source file's place in it.
  static var packageRoot: String {
    var url = URL(fileURLWithPath: #filePath)
    // The file, Support, Build, IntegrationTests, Tests.
    for _ in 0..<5 { url.deleteLastPathComponent() }
    return url.path
  }

  private static func build(_ bed: TestBed) async throws -> String {
    let reference = "\(bed.registry)/btest-\(UniqueName.run)/busybox:latest"
    if await RegistryReadback.exists(reference) {
      return reference
    }
    let folder = try ScratchFolder("busybox-base")
    defer { folder.remove() }
    let script = Self.packageRoot + "/Scripts/make-busybox-rootfs"
    let rootfs = try await Subprocess.run(script, [folder.url("rootfs")], timeout: .seconds(60))
    guard rootfs.succeeded else {
      throw ScratchError(message: "\(script) failed: \(rootfs.buildReport)")
    }
    try folder.file("Dockerfile", "FROM scratch\nCOPY rootfs/ /\n")
    let output = try await BuildkitProgram.build(
      bed, ["--context", folder.path, "--tag", reference, "--push"])
    guard output.succeeded else {
      throw ScratchError(
        message:
          "buildkit build of the busybox base image \(reference) failed: \(output.buildReport)")
    }
    return reference
  }
}
