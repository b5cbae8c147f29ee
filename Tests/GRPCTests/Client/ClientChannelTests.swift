import Foundation
import GRPC
import Testing

@Suite("ClientChannel")
struct ClientChannelTests {
  @Test("connecting to a socket nobody listens on fails naming the address")
  func unreachableUnixSocket() async throws {
    let channel = try ClientChannel(address: .unix(path: "/nonexistent/buildkitd.sock"))
    defer { channel.close() }
    let error = await #expect(throws: GRPCError.self) {
      try await channel.connect(timeout: .seconds(2))
    }
    #expect(error?.status == .unavailable)
  }

  @Test("waiting for a daemon that never comes ends at the timeout")
  func waitTimesOut() async throws {
    let channel = try ClientChannel(address: .unix(path: "/nonexistent/buildkitd.sock"))
    defer { channel.close() }
    let error = await #expect(throws: GRPCError.self) {
      try await channel.connect(timeout: .milliseconds(300), waitForReady: true)
    }
    #expect(error?.status == .deadlineExceeded)
    #expect(error?.message.contains("unix:///nonexistent/buildkitd.sock") == true)
  }

  @Test("calls on a closed channel fail with a clear error")
  func closedChannel() async throws {
    let channel = try ClientChannel(address: .tcp(host: "127.0.0.1", port: 9))
    channel.close()
    let error = await #expect(throws: GRPCError.self) {
      _ = try await channel.unary("/x.Y/Z", request: [])
    }
    #expect(error?.code == .closed)
  }

  @Test("opening and closing many clients leaks no threads or descriptors")
  func noLeaks() async throws {
    func openAndClose() async throws {
      try await Loopback.run(handlers: TestService.handlers) { client in
        _ = try await client.unary("/test.Echo/Unary", request: [UInt8](text: "x"))
      }
    }
    // Warm up once, so that lazily created process-wide state is not counted.
    try await openAndClose()
    let threadsBefore = Self.count("/proc/self/task")
    let descriptorsBefore = Self.count("/proc/self/fd")
    for _ in 0..<30 {
      try await openAndClose()
    }
    // Other suites run in the same process at the same time and open channels, sessions and
    // files of their own (the integration suites for tens of seconds), so wait for the counts
    // to settle back rather than sampling once.
    var threadsAfter = Self.count("/proc/self/task")
    var descriptorsAfter = Self.count("/proc/self/fd")
    for _ in 0..<900 where threadsAfter > threadsBefore || descriptorsAfter > descriptorsBefore {
      try await Task.sleep(for: .milliseconds(100))
      threadsAfter = Self.count("/proc/self/task")
      descriptorsAfter = Self.count("/proc/self/fd")
    }
    #expect(threadsAfter <= threadsBefore)
    #expect(
      descriptorsAfter <= descriptorsBefore,
      "open descriptors by kind: \(Self.descriptorKinds())")
  }

  /// How many open descriptors point at each kind of thing (`socket`, `anon_inode:[eventfd]`,
  /// a file's folder), for a failure message that says what was left open.
  private static func descriptorKinds() -> [String: Int] {
    var kinds: [String: Int] = [:]
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    for name in names {
      guard
        let target = try? FileManager.default.destinationOfSymbolicLink(
          atPath: "/proc/self/fd/" + name)
      else { continue }
      let kind =
        target.hasPrefix("/")
        ? (target as NSString).deletingLastPathComponent
        : String(target.prefix { $0 != "[" || target.hasPrefix("anon_inode") })
      kinds[kind, default: 0] += 1
    }
    return kinds
  }

  private static func count(_ directory: String) -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: directory).count) ?? -1
  }
}
