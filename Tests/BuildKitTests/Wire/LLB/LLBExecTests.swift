import BuildKit
import Testing

@Suite("LLB exec ops")
struct LLBExecTests {
  @Test("an exec op with every field and mount kind set round-trips")
  func execRoundTrip() throws {
    let exec = LLB.ExecOp(
      meta: LLB.Meta(
        args: ["/bin/sh", "-c", "make"],
        env: ["PATH=/usr/bin", "EMPTY="],
        cwd: "/src",
        user: "1000:1000",
        proxyEnv: LLB.ProxyEnv(
          httpProxy: "http://proxy.test:3128",
          httpsProxy: "http://proxy.test:3128",
          ftpProxy: "ftp",
          noProxy: "localhost",
          allProxy: "socks5://proxy.test"
        ),
        extraHosts: [LLB.HostIP(host: "db", ip: "10.0.0.2")],
        hostname: "builder",
        ulimit: [LLB.Ulimit(name: "nofile", soft: 1024, hard: 4096)],
        cgroupParent: "/build",
        removeMountStubsRecursive: true,
        validExitCodes: [0, 1, -1]
      ),
      mounts: [
        LLB.Mount(input: 0, dest: "/", output: 0),
        LLB.Mount(input: -1, selector: "/sub", dest: "/scratch", output: -1, readonly: true),
        LLB.Mount(
          input: -1,
          dest: "/cache",
          output: -1,
          mountType: .cache,
          cacheOpt: LLB.CacheOpt(id: "go", sharing: .locked)
        ),
        LLB.Mount(
          input: -1,
          dest: "/run/secrets/t",
          output: -1,
          mountType: .secret,
          secretOpt: LLB.SecretOpt(id: "t", uid: 1, gid: 2, mode: 0o400, optional: true)
        ),
        LLB.Mount(
          input: -1,
          dest: "/run/ssh",
          output: -1,
          mountType: .ssh,
          sshOpt: LLB.SSHOpt(id: "default", mode: 0o600)
        ),
        LLB.Mount(
          input: -1,
          dest: "/tmp",
          output: -1,
          mountType: .tmpfs,
          tmpfsOpt: LLB.TmpfsOpt(size: 64 << 20)
        ),
        LLB.Mount(dest: "/r", resultID: "result-1", contentCache: .on),
      ],
      network: .none,
      security: .insecure,
      secretenv: [LLB.SecretEnv(id: "token", name: "TOKEN", optional: true)]
    )

    #expect(try roundTripped(exec) == exec)
  }

  @Test("enum values encode as their numbers")
  func enumBytes() {
    #expect(LLB.ExecOp(network: .host, security: .insecure).encoded() == bytes("18 01 20 01"))
    #expect(LLB.CacheOpt(sharing: .private).encoded() == bytes("10 01"))
    #expect(LLB.Mount(mountType: .tmpfs, contentCache: .off).encoded() == bytes("30 04 C0 01 02"))
  }
}
