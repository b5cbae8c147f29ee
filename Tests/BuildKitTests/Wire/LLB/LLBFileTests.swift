import BuildKit
import Testing

@Suite("LLB file actions")
struct LLBFileTests {
  @Test("a copy keeping mode and time sends -1 as ten-byte varints")
  func copySentinels() throws {
    let copy = LLB.FileActionCopy(src: "/", dest: "/app/")
    let minusOne = "FF FF FF FF FF FF FF FF FF 01"
    let expected = bytes("0A 01 2F 12 05 2F 61 70 70 2F 20 \(minusOne) 58 \(minusOne)")

    #expect(copy.mode == -1)
    #expect(copy.timestamp == -1)
    #expect(copy.encoded() == expected)
    #expect(try LLB.FileActionCopy(decoding: expected) == copy)
  }

  @Test("a copy that omits mode and time on the wire decodes them as 0, not -1")
  func copyWireDefaults() throws {
    let copy = try LLB.FileActionCopy(decoding: bytes("0A 01 2F"))

    #expect(copy.mode == 0)
    #expect(copy.timestamp == 0)
  }

  @Test("a mkfile action on an empty base file system encodes its sentinels")
  func mkfileOnScratch() throws {
    let action = LLB.FileAction(
      input: -1,
      secondaryInput: -1,
      output: 0,
      action: .mkfile(LLB.FileActionMkFile(path: "/hi", mode: 0o644, data: Array("hi\n".utf8)))
    )
    let minusOne = "FF FF FF FF FF FF FF FF FF 01"
    let mkfile = "0A 03 2F 68 69 10 A4 03 1A 03 68 69 0A 28 \(minusOne)"
    let expected = bytes("08 \(minusOne) 10 \(minusOne) 2A 18 \(mkfile)")

    #expect(action.encoded() == expected)
    #expect(try LLB.FileAction(decoding: expected) == action)
  }

  @Test("a user given by id 0 is still written, since a oneof member has presence")
  func userByIDZero() throws {
    let user = LLB.UserOpt(user: .byID(0))

    #expect(user.encoded() == bytes("10 00"))
    #expect(try LLB.UserOpt(decoding: bytes("10 00")) == user)
    #expect(try LLB.UserOpt(decoding: []) == LLB.UserOpt())
  }

  @Test(
    "every kind of file action round-trips",
    arguments: [
      LLB.FileAction.Action.copy(
        LLB.FileActionCopy(
          src: "/src/*",
          dest: "/dst/",
          owner: LLB.ChownOpt(
            user: LLB.UserOpt(user: .byName(LLB.NamedUserOpt(name: "app", input: 1))),
            group: LLB.UserOpt(user: .byID(1000))
          ),
          mode: 0o755,
          followSymlink: true,
          dirCopyContents: true,
          attemptUnpackDockerCompatibility: true,
          createDestPath: true,
          allowWildcard: true,
          allowEmptyWildcard: true,
          timestamp: 1_700_000_000_000_000_000,
          includePatterns: ["*.swift"],
          excludePatterns: ["*.o", ".build"],
          alwaysReplaceExistingDestPaths: true,
          modeStr: "u+x",
          requiredPaths: ["Package.swift"]
        )
      ),
      .mkfile(
        LLB.FileActionMkFile(
          path: "/f",
          mode: 0o600,
          data: [1, 2, 3],
          owner: LLB.ChownOpt(),
          timestamp: 5
        )
      ),
      .mkdir(LLB.FileActionMkDir(path: "/d", mode: 0o755, makeParents: true, timestamp: -1)),
      .rm(LLB.FileActionRm(path: "/tmp/*", allowNotFound: true, allowWildcard: true)),
      .symlink(LLB.FileActionSymlink(oldpath: "target", newpath: "/link")),
    ]
  )
  func actionRoundTrip(action: LLB.FileAction.Action) throws {
    let fileOp = LLB.FileOp(actions: [
      LLB.FileAction(input: 0, secondaryInput: 1, output: -1, action: action)
    ])

    #expect(try roundTripped(fileOp) == fileOp)
  }
}
