// Runs the same Dockerfile build several times from one long-lived library client and prints the
// wall time of each build, one number of seconds per line. Scripts/bench compares the median with
// buildctl's per-build time, since a service that embeds the library pays for process start-up
// and connection set-up once, not per build.
//
// Usage: BuildKitBench ADDRESS CONTEXT_DIR COUNT
import BuildKit
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 4, let count = Int(arguments[3]), count > 0 else {
  FileHandle.standardError.write(Data("usage: BuildKitBench ADDRESS CONTEXT_DIR COUNT\n".utf8))
  exit(64)
}
let context = arguments[2]
let output = NSTemporaryDirectory() + "buildkit-bench-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: output) }

do {
  let client = try BuildKitClient(address: arguments[1])
  defer { client.close() }
  try await client.connect()
  let request = BuildRequest(
    localDirectories: ["context": context, "dockerfile": context],
    exports: [.init(type: "local", destination: .directory(output))],
    sharedKey: "bench:" + context
  )
  let clock = ContinuousClock()
  for _ in 0..<count {
    let elapsed = try await clock.measure {
      var fresh = request
      fresh.ref = Identifiers.random()
      _ = try await client.build(fresh)
    }
    let (seconds, attoseconds) = elapsed.components
    print(String(format: "%.4f", Double(seconds) + Double(attoseconds) / 1e18))
  }
} catch {
  FileHandle.standardError.write(Data("BuildKitBench: \(error)\n".utf8))
  exit(1)
}
