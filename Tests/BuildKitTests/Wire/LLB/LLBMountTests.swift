import BuildKit
import Testing

@Suite("LLB mounts")
struct LLBMountTests {
  @Test("a mount on scratch without output sends both -1 sentinels")
  func mountSentinels() throws {
    let mount = LLB.Mount(input: -1, dest: "/", output: -1)
    let minusOne = "FF FF FF FF FF FF FF FF FF 01"

    #expect(mount.encoded() == bytes("08 \(minusOne) 1A 01 2F 20 \(minusOne)"))
    #expect(try roundTripped(mount) == mount)
  }

  @Test("secret and SSH options share a Swift type but go to fields 21 and 22")
  func secretAndSSHFields() throws {
    let ssh = LLB.Mount(sshOpt: LLB.SSHOpt(id: "a"))
    let secret = LLB.Mount(secretOpt: LLB.SecretOpt(id: "a"))

    #expect(ssh.encoded() == bytes("B2 01 03 0A 01 61"))
    #expect(secret.encoded() == bytes("AA 01 03 0A 01 61"))
    #expect(try LLB.Mount(decoding: ssh.encoded()) == ssh)
    #expect(try LLB.Mount(decoding: ssh.encoded()).secretOpt == nil)
  }
}
