// A buildkitd of one test's own, for tests that must hurt the daemon (kill it mid-build) without
// disturbing the shared test bed. It runs the test bed's buildkitd binary with its own state
// folder and unix socket under the system's temporary folder, trusts the plain registry of the
// test bed, and is ended by its process id. Cleaning up ends what the daemon left behind the way
// `Scripts/testbed stop` does for the shared daemons: the processes it had started (found by
// their parent chain while it ran), runc containers whose bundle is in its state folder,
// processes rooted in its snapshots, and mounts under the state folder.

import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A buildkitd started by a test, with its own state folder and socket.
final class PrivateBuildkitd: Sendable {
  /// The state folder (holds the config, the socket, the log and the daemon's root).
  let folder: ScratchFolder
  /// The daemon's address, `unix://FOLDER/buildkitd.sock`.
  let address: String
  /// The daemon's process id.
  let pid: Int32

  /// Starts a daemon and waits until it lists its worker.
  ///
  /// - Parameter bed: The test bed (for the buildkitd and buildctl binaries and the registry).
  /// - Throws: `ScratchError` when the daemon does not start or does not answer within a minute.
  init(_ bed: TestBed) async throws {
    let folder = try ScratchFolder("daemon")
    self.folder = folder
    self.address = "unix://\(folder.url("buildkitd.sock"))"
    try folder.file(
      "buildkitd.toml",
      """
      root = "\(folder.url("root"))"

      [grpc]
        address = ["\(self.address)"]

      [otel]
        socketPath = "\(folder.url("otel-grpc.sock"))"

      [worker.oci]
        enabled = true
        binary = "runc"

      [worker.containerd]
        enabled = false

      [registry."\(bed.registry)"]
        http = true
        insecure = true

      """)
    // Started through a shell that leaves it running in a session of its own: the daemon is then
    // nobody's child here, and the system reaps it once it is killed. The subshell first closes
    // every descriptor it inherited beyond the standard three, so the daemon holds no pipe of
    // this test process open.
    let script = """
      (
        for fd in /proc/$BASHPID/fd/*; do
          fd=${fd##*/}
          [ "$fd" -gt 2 ] && eval "exec $fd>&-"
        done
        exec setsid "$0" --config "$1"
      ) </dev/null >>"$2" 2>&1 &
      echo $!
      """
    let launch = try await Subprocess.run(
      "bash",
      ["-c", script, bed.buildkitdPath, folder.url("buildkitd.toml"), folder.url("log")],
      timeout: .seconds(30))
    guard launch.succeeded,
      let pid = Int32(launch.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
    else {
      folder.remove()
      throw ScratchError(message: "cannot start \(bed.buildkitdPath): \(launch.buildReport)")
    }
    self.pid = pid

    for _ in 0..<120 {
      let workers = try await Subprocess.run(
        bed.buildctlPath, ["--addr", self.address, "debug", "workers"], timeout: .seconds(10))
      if workers.succeeded && workers.standardOutput.contains("linux/") {
        return
      }
      guard kill(self.pid, 0) == 0 else { break }
      try await Task.sleep(for: .milliseconds(500))
    }
    let logText = folder.text("log") ?? ""
    await self.destroy()
    throw ScratchError(message: "buildkitd \(self.address) did not answer; its log:\n\(logText)")
  }

  /// The ids of the processes that descend from the daemon now.
  func descendants() -> [Int32] {
    var parents: [Int32: Int32] = [:]
    for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
      guard let pid = Int32(name), let parent = Self.parent(of: pid) else { continue }
      parents[pid] = parent
    }
    var found: [Int32] = []
    var frontier: [Int32] = [self.pid]
    while let parent = frontier.popLast() {
      let children = parents.filter { $0.value == parent && !found.contains($0.key) }.map(\.key)
      found += children
      frontier += children
    }
    return found
  }

  /// Kills the daemon with SIGKILL, and then every process it had started.
  func killHard() {
    let children = self.descendants()
    kill(self.pid, SIGKILL)
    for child in children {
      kill(child, SIGKILL)
    }
  }

  /// Kills the daemon if it still runs, waits for it, ends what it left behind, unmounts
  /// everything under the state folder and deletes the folder.
  func destroy() async {
    self.killHard()
    for _ in 0..<100 where kill(self.pid, 0) == 0 {
      try? await Task.sleep(for: .milliseconds(100))
    }
    let sweep = """
      dir=$1
      if command -v runc >/dev/null; then
        runc list 2>/dev/null | tail -n +2 | while read -r id _ _ bundle _; do
          case $bundle in "$dir"/*)
            runc kill "$id" KILL 2>/dev/null
            runc delete --force "$id" 2>/dev/null
            ;;
          esac
        done
      fi
      for proc in /proc/[0-9]*; do
        root=$(readlink "$proc/root" 2>/dev/null) || continue
        case $root in "$dir"/*) kill -KILL "${proc#/proc/}" 2>/dev/null ;; esac
      done
      awk -v dir="$dir" '$2 == dir || index($2, dir "/") == 1 { print length($2) "\\t" $2 }' \\
        /proc/self/mounts |
        sort -rn | cut -f 2- | while read -r point; do
          umount -R "$point" 2>/dev/null || umount -l "$point" 2>/dev/null || true
        done
      exit 0
      """
    _ = try? await Subprocess.run(
      "bash", ["-c", sweep, "sweep", self.folder.path], timeout: .seconds(60))
    self.folder.remove()
  }

  private static func parent(of pid: Int32) -> Int32? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = text.lastIndex(of: ")")
    else { return nil }
    // After "pid (name)": state, then the parent's pid.
    let fields = text[text.index(after: close)...].split(separator: " ")
    return fields.count > 1 ? Int32(fields[1]) : nil
  }
}
