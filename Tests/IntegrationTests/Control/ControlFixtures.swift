// What the Control tests set up around the daemons: cache records made by a real build, a TCP
// port on which nothing accepts connections, and retries for checks that other test runs on the
// same daemon can disturb.
//
// Daemon a is shared: other suites and other developers build on it and prune it while these
// tests run. A check that compares two listings taken at different moments therefore runs again
// when the daemon's cache changed in between; a real defect fails every attempt, a neighbour's
// build fails one.

import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Helpers of the Control integration tests.
enum ControlFixtures {
  /// Builds a one-file image from a `FROM scratch` Dockerfile with `buildctl` on daemon b,
  /// exporting it to a local folder, so that the daemon holds fresh cache records (local sources
  /// and the `COPY` result). The file's content is new on every call.
  ///
  /// - Parameter bed: The test bed.
  /// - Throws: When the build fails (the error carries buildctl's output).
  static func buildSomething(on bed: TestBed) async throws {
    try await self.withTemporaryFolder { folder in
      let context = folder + "/context"
      try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
      try Data("made by the Control tests: \(UUID().uuidString)\n".utf8)
        .write(to: URL(fileURLWithPath: context + "/hello.txt"))
      try Data("FROM scratch\nCOPY hello.txt /hello.txt\n".utf8)
        .write(to: URL(fileURLWithPath: context + "/Dockerfile"))
      let output = try await bed.buildctl(
        .tls,
        [
          "build", "--frontend", "dockerfile.v0", "--local", "context=\(context)", "--local",
          "dockerfile=\(context)", "--output", "type=local,dest=\(folder)/out",
        ],
        timeout: .seconds(180)
      )
      guard output.succeeded else {
        throw FixtureError(
          .buildFailed, "buildctl build failed (\(output.status)): \(output.standardError)")
      }
      let copied = try String(contentsOfFile: folder + "/out/hello.txt", encoding: .utf8)
      guard copied.hasPrefix("made by the Control tests") else {
        throw FixtureError(
          .buildFailed, "the build exported \(copied.debugDescription) as hello.txt")
      }
    }
  }

  /// The records `buildctl du -v` lists on daemon b.
  ///
  /// - Parameters:
  ///   - bed: The test bed.
  ///   - filters: `--filter` values for `buildctl du`.
  /// - Returns: The records by ID.
  /// - Throws: When buildctl fails.
  static func referenceRecords(
    on bed: TestBed, filters: [String] = []
  ) async throws -> [String: Listing.Record] {
    let output = try await bed.buildctl(
      .tls, ["du", "-v"] + filters.flatMap { ["--filter", $0] }, timeout: .seconds(60))
    guard output.succeeded else {
      throw FixtureError(
        .listingFailed, "buildctl du -v failed (\(output.status)): \(output.standardError)")
    }
    return Listing.records(output.standardOutput)
  }

  /// Runs `body` between two `buildctl du -v` listings of daemon b until the two listings agree,
  /// so that what `body` saw can be compared with a listing that held all through it.
  ///
  /// - Parameters:
  ///   - bed: The test bed.
  ///   - filters: `--filter` values for `buildctl du`.
  ///   - attempts: How many times to try before giving up.
  ///   - body: Lists the cache some other way.
  /// - Returns: The reference records and what `body` returned, from the first attempt with no
  ///   change around it.
  /// - Throws: `FixtureError` when the cache changed around every attempt, or what `body` throws.
  static func whileCacheIsStill<T>(
    on bed: TestBed,
    filters: [String] = [],
    attempts: Int = 5,
    _ body: () async throws -> T
  ) async throws -> (reference: [String: Listing.Record], result: T) {
    for _ in 0..<attempts {
      let before = try await self.referenceRecords(on: bed, filters: filters)
      let result = try await body()
      let after = try await self.referenceRecords(on: bed, filters: filters)
      if Set(before.keys) == Set(after.keys) {
        return (before, result)
      }
      try await Task.sleep(for: .seconds(2))
    }
    throw FixtureError(
      .cacheKeptChanging,
      "daemon b's cache changed during each of \(attempts) listings; other builds keep running "
        + "on it, try again when it is quieter")
  }

  /// Runs a check up to `attempts` times until it finds no problem, and records the problems of
  /// the last attempt as issues when every attempt found some.
  ///
  /// - Parameters:
  ///   - attempts: How many times to try.
  ///   - check: Does the work and returns what is wrong (empty when all is well).
  static func untilClean(
    attempts: Int = 3,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ check: () async throws -> [String]
  ) async throws {
    var problems: [String] = []
    for attempt in 1...attempts {
      problems = try await check()
      if problems.isEmpty { return }
      if attempt < attempts { try await Task.sleep(for: .seconds(2)) }
    }
    for problem in problems {
      Issue.record(Comment(rawValue: problem), sourceLocation: sourceLocation)
    }
  }

  /// Runs `body` with a new empty folder that is deleted afterwards.
  static func withTemporaryFolder<T>(_ body: (String) async throws -> T) async throws -> T {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("buildkit-control-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try await body(folder)
  }
}

/// A TCP port on 127.0.0.1 that refuses connections: a socket bound to it that never listens,
/// which also keeps any other program from taking the port while a test uses it.
final class RefusingPort: Sendable {
  /// The port number.
  let port: Int
  private let descriptor: Int32

  /// Binds a socket to a free port of 127.0.0.1.
  ///
  /// - Throws: `FixtureError` when no socket can be bound.
  init() throws {
    #if canImport(Glibc)
      let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
      let descriptor = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard descriptor >= 0 else {
      throw FixtureError(.socketFailed, "socket() failed: errno \(errno)")
    }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
        bind(descriptor, raw, length) == 0 && getsockname(descriptor, raw, &length) == 0
      }
    }
    guard bound else {
      close(descriptor)
      throw FixtureError(.socketFailed, "cannot bind a socket to 127.0.0.1: errno \(errno)")
    }
    self.descriptor = descriptor
    self.port = Int(UInt16(bigEndian: address.sin_port))
  }

  /// `tcp://127.0.0.1:PORT`.
  var address: String { "tcp://127.0.0.1:\(self.port)" }

  deinit {
    close(self.descriptor)
  }
}

/// A fixture of the Control tests could not be set up.
struct FixtureError: Error, CustomStringConvertible {
  /// What kind of failure this is.
  struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Kind: String {
      case buildFailed, listingFailed, cacheKeptChanging, socketFailed
    }
    private let kind: Kind

    /// `buildctl build` failed or exported something else than expected.
    static let buildFailed = Code(kind: .buildFailed)
    /// `buildctl du` failed.
    static let listingFailed = Code(kind: .listingFailed)
    /// Daemon a's cache changed around every attempt to list it.
    static let cacheKeptChanging = Code(kind: .cacheKeptChanging)
    /// No socket could be bound on 127.0.0.1.
    static let socketFailed = Code(kind: .socketFailed)

    /// The code's name.
    var description: String { self.kind.rawValue }
  }

  /// What kind of failure this is.
  let code: Code
  /// What failed and what to do about it.
  let message: String
  /// The underlying error, if any.
  let cause: (any Error)?

  /// Creates an error.
  ///
  /// - Parameters:
  ///   - code: What kind of failure this is.
  ///   - message: What failed and what to do about it.
  ///   - cause: The underlying error, if any.
  init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  /// The message.
  var description: String { self.message }
}
