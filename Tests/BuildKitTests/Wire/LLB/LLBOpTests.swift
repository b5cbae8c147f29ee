import BuildKit
import Testing

@Suite("LLB ops")
struct LLBOpTests {
  @Test("the terminal op carries only its input")
  func terminalOp() throws {
    let op = LLB.Op(inputs: [LLB.Input(digest: "sha256:ab", index: 0)])
    let expected = bytes("0A 0B 0A 09 73 68 61 32 35 36 3A 61 62")

    #expect(op.encoded() == expected)
    #expect(try LLB.Op(decoding: expected) == op)
  }

  @Test(
    "every kind of operation round-trips inside an op",
    arguments: [
      LLB.Op.Operation.source(
        LLB.SourceOp(
          identifier: "docker-image://docker.io/library/alpine:latest",
          attrs: ["image.resolvemode": "default"]
        )
      ),
      .exec(LLB.ExecOp(meta: LLB.Meta(args: ["/bin/true"]), mounts: [LLB.Mount(dest: "/")])),
      .file(LLB.FileOp(actions: [LLB.FileAction(action: .rm(LLB.FileActionRm(path: "/x")))])),
      .merge(LLB.MergeOp(inputs: [0, 1, 2])),
      .diff(LLB.DiffOp(lower: 0, upper: 1)),
      .diff(LLB.DiffOp(lower: -1, upper: nil)),
    ]
  )
  func operationRoundTrip(operation: LLB.Op.Operation) throws {
    let op = LLB.Op(
      inputs: [LLB.Input(digest: "sha256:01", index: 0), LLB.Input(digest: "sha256:02", index: 3)],
      op: operation,
      platform: LLB.Platform(architecture: "arm64", os: "linux", variant: "v8"),
      constraints: LLB.WorkerConstraints(filter: ["id==w"])
    )

    #expect(try roundTripped(op) == op)
  }

  @Test("an empty operation is written, so the daemon sees which kind was chosen")
  func emptyOperation() throws {
    #expect(LLB.Op(op: .file(LLB.FileOp())).encoded() == bytes("22 00"))
    #expect(try LLB.Op(decoding: bytes("22 00")).op == .file(LLB.FileOp()))
  }

  @Test("merge inputs travel as messages and diff sides keep their presence")
  func mergeAndDiffBytes() throws {
    #expect(LLB.MergeOp(inputs: [0, 1]).encoded() == bytes("0A 00 0A 02 08 01"))
    #expect(LLB.DiffOp(lower: 0).encoded() == bytes("0A 00"))
    #expect(try LLB.DiffOp(decoding: bytes("12 02 08 02")) == LLB.DiffOp(upper: 2))
  }
}
