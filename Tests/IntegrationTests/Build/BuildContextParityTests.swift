import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One build context with the files, links and ignore rules it exercises, and a few facts about
/// the result that hold whatever the reference client does.
struct ContextCase: Sendable, CustomTestStringConvertible {
  /// What the case is about, for the test's name.
  let name: String
  /// The Dockerfile's name in its own folder (so `<name>.dockerignore` can sit beside it).
  var dockerfileName = "Dockerfile"
  /// Paths inside the context that must arrive.
  var present: [String] = []
  /// Paths inside the context that must not arrive.
  var absent: [String] = []
  /// Permission bits that paths must arrive with.
  var modes: [String: UInt32] = [:]
  /// Writes the context under `ctx/` (and extra files beside the Dockerfile under `df/`).
  let populate: @Sendable (ScratchFolder) throws -> Void

  var testDescription: String { self.name }
}

/// The same context through our client and through buildctl: `FROM scratch` + `COPY . /ctx/`
/// exports exactly the filtered context, and both exports must be identical, byte for byte,
/// mode for mode, link for link.
@Suite("buildkit build sends the same build context as buildctl", .requiresTestBed)
struct BuildContextParityTests {
  static let cases: [ContextCase] = [
    ContextCase(
      name: "everything ignored by default with * and re-included with !path",
      present: ["keep.txt", "src/main.c", "docs/a/readme.md", "docs/top.md"],
      absent: ["drop.txt", "src/other.c", "docs/a/image.png", ".dockerignore"]
    ) { folder in
      try folder.file("ctx/.dockerignore", "*\n!keep.txt\n!src/main.c\n!docs/**/*.md\n")
      for path in [
        "keep.txt", "drop.txt", "src/main.c", "src/other.c", "docs/a/readme.md",
        "docs/a/image.png", "docs/top.md",
      ] {
        try folder.file("ctx/" + path, "contents of \(path)\n")
      }
    },
    ContextCase(
      name: "** patterns at the start, in the middle and at the end",
      present: ["x/keep.txt", "build/a/keep", "notes.txt", "x/y"],
      absent: [
        "a.log", "x/b.log", "x/y/c.log", "tmp", "x/tmp", "build/cache", "build/a/b/cache", ".git",
        "x/.git", "deep/skip/all/of/this",
      ]
    ) { folder in
      try folder.file(
        "ctx/.dockerignore", "**/*.log\n**/tmp\nbuild/**/cache\n**/.git\ndeep/skip/**\n")
      for path in [
        "a.log", "x/b.log", "x/y/c.log", "x/keep.txt", "tmp/t.txt", "x/tmp/u.txt",
        "build/cache/z", "build/a/b/cache/w", "build/a/keep", ".git/HEAD", "x/.git/config",
        "notes.txt", "deep/skip/all/of/this",
      ] {
        try folder.file("ctx/" + path, "\(path)\n")
      }
    },
    ContextCase(
      name: "files re-included under excluded parent directories",
      present: ["dir/keep", "dir/sub/keep2", "other/y.md", "vendor/important/y/z"],
      absent: ["dir/drop", "dir/sub/drop2", "other/x.txt", "vendor/a/x"]
    ) { folder in
      try folder.file(
        "ctx/.dockerignore",
        "dir\n!dir/keep\n!dir/sub/keep2\nother/\n!other/*.md\nvendor/**\n!vendor/important/**\n")
      for path in [
        "dir/keep", "dir/drop", "dir/sub/keep2", "dir/sub/drop2", "other/x.txt", "other/y.md",
        "vendor/a/x", "vendor/important/y/z",
      ] {
        try folder.file("ctx/" + path, "\(path)\n")
      }
    },
    ContextCase(
      name: "<Dockerfile>.dockerignore takes precedence over .dockerignore",
      dockerfileName: "app.Dockerfile",
      present: ["a.txt", "c.txt", ".dockerignore"],
      absent: ["b.txt", "d.tmp"]
    ) { folder in
      try folder.file("ctx/.dockerignore", "a.txt\n")
      try folder.file("df/app.Dockerfile.dockerignore", "b.txt\n*.tmp\n")
      for path in ["a.txt", "b.txt", "c.txt", "d.tmp"] {
        try folder.file("ctx/" + path, "\(path)\n")
      }
    },
    ContextCase(
      name: "comments, blank lines, spaces, CRLF and escapes in .dockerignore",
      present: ["keep.txt", "starX.txt", "reincluded-kept.txt", "qXmark.txt"],
      absent: [
        "spaced.txt", "#hash.txt", "star*.txt", "rooted.txt", "dotted.txt", "parent-clean.txt",
        "reincluded-gone.txt", "q?mark.txt", "crlf.txt", "# indented",
      ]
    ) { folder in
      let lines = [
        "# a comment line", "#keep.txt", "   spaced.txt   ", "\\#hash.txt", "star\\*.txt",
        "/rooted.txt", "./dotted.txt", "sub/../parent-clean.txt", "", "reincluded-*.txt",
        "! reincluded-kept.txt", "q\\?mark.txt", "crlf.txt\r", "   # indented",
      ]
      try folder.file("ctx/.dockerignore", lines.joined(separator: "\n") + "\n")
      for path in [
        "keep.txt", "spaced.txt", "#hash.txt", "star*.txt", "starX.txt", "rooted.txt",
        "dotted.txt", "parent-clean.txt", "reincluded-gone.txt", "reincluded-kept.txt",
        "q?mark.txt", "qXmark.txt", "crlf.txt", "# indented",
      ] {
        try folder.file("ctx/" + path, "\(path)\n")
      }
    },
    ContextCase(
      name: "symbolic links inside, dangling, absolute, escaping and chained",
      present: [
        "link-inside", "sub/up", "dirlink", "dangling", "absolute", "escaping", "self-loop",
        "link-to-link",
      ]
    ) { folder in
      try folder.file("ctx/target.txt", "target\n")
      try folder.file("ctx/sub/inner.txt", "inner\n")
      try folder.symlink("ctx/link-inside", to: "target.txt")
      try folder.symlink("ctx/sub/up", to: "../target.txt")
      try folder.symlink("ctx/dirlink", to: "sub")
      try folder.symlink("ctx/dangling", to: "does-not-exist")
      try folder.symlink("ctx/absolute", to: "/etc/passwd")
      try folder.symlink("ctx/escaping", to: "../../outside.txt")
      try folder.symlink("ctx/self-loop", to: "self-loop")
      try folder.symlink("ctx/link-to-link", to: "link-inside")
    },
    ContextCase(
      name: "hard links, including one whose first name is ignored",
      present: ["a.txt", "b.txt", "sub/c.txt", "bb.txt", "solo.txt"],
      absent: ["aa-ignored.txt"]
    ) { folder in
      try folder.file("ctx/.dockerignore", "aa-ignored.txt\n")
      try folder.file("ctx/a.txt", "shared by three names\n")
      try folder.hardlink("ctx/b.txt", to: "ctx/a.txt")
      try folder.hardlink("ctx/sub/c.txt", to: "ctx/a.txt")
      try folder.file("ctx/aa-ignored.txt", "first name ignored\n")
      try folder.hardlink("ctx/bb.txt", to: "ctx/aa-ignored.txt")
      try folder.file("ctx/solo.txt", "one name\n")
    },
    ContextCase(
      name: "empty directories, nested and left empty by the ignore rules",
      present: ["empty", "nested/empty/deep", "only-ignored"],
      absent: ["only-ignored/x.tmp"]
    ) { folder in
      try folder.file("ctx/.dockerignore", "**/*.tmp\n")
      try folder.directory("ctx/empty")
      try folder.directory("ctx/nested/empty/deep")
      try folder.file("ctx/only-ignored/x.tmp", "ignored\n")
    },
    ContextCase(
      name: "executable bits, setuid, setgid and sticky modes",
      modes: [
        "exec.sh": 0o755, "private": 0o600, "readonly": 0o444, "everyone": 0o777,
        "owner-exec": 0o700, "setuid": 0o4755, "setgid": 0o2755, "group-write": 0o664,
        "sticky-dir": 0o1777, "setgid-dir": 0o2775, "locked-dir": 0o700, "readonly-dir": 0o555,
      ]
    ) { folder in
      let files: [(String, mode_t)] = [
        ("exec.sh", 0o755), ("private", 0o600), ("readonly", 0o444), ("everyone", 0o777),
        ("owner-exec", 0o700), ("setuid", 0o4755), ("setgid", 0o2755), ("group-write", 0o664),
      ]
      for (path, mode) in files {
        try folder.file("ctx/" + path, "#!/bin/sh\necho \(path)\n", mode: mode)
      }
      for (path, mode) in [("sticky-dir", 0o1777), ("setgid-dir", 0o2775), ("locked-dir", 0o700)]
        as [(String, mode_t)]
      {
        try folder.file("ctx/\(path)/inside.txt", "\(path)\n")
        try folder.directory("ctx/" + path, mode: mode)
      }
      try folder.file("ctx/readonly-dir/inside.txt", "read only\n", mode: 0o444)
      try folder.directory("ctx/readonly-dir", mode: 0o555)
    },
    ContextCase(
      name: "Unicode names, both normal forms of one name, and 200-character names",
      present: [
        "héllo wörld.txt", "日本語/ファイル.txt", "emoji-🚀.txt", "caf\u{E9}.txt", "cafe\u{301}.txt",
        "tab\tname.txt", String(repeating: "n", count: 196) + ".txt",
        String(repeating: "d", count: 200) + "/" + String(repeating: "f", count: 200),
      ]
    ) { folder in
      for path in [
        "héllo wörld.txt", "日本語/ファイル.txt", "emoji-🚀.txt", "caf\u{E9}.txt", "cafe\u{301}.txt",
        "tab\tname.txt", String(repeating: "n", count: 196) + ".txt",
        String(repeating: "d", count: 200) + "/" + String(repeating: "f", count: 200),
      ] {
        try folder.file("ctx/" + path, "name: \(path)\n")
      }
    },
    ContextCase(
      name: "empty files, an odd-sized file and a 100 MB file",
      present: ["empty.txt", "tiny.txt", "odd.bin", "big.bin", "empty-dir-beside"]
    ) { folder in
      try folder.file("ctx/empty.txt", Data())
      try folder.file("ctx/tiny.txt", "x")
      try folder.largeFile("ctx/odd.bin", size: 3 << 20 + 1, seed: 7)
      try folder.largeFile("ctx/big.bin", size: 100 << 20, seed: 11)
      try folder.directory("ctx/empty-dir-beside")
    },
  ]

  @Test("the exported context equals buildctl's", arguments: Self.cases)
  func exportsTheSameTreeAsBuildctl(_ context: ContextCase) async throws {
    let bed = try TestBed.require()
    let folder = try ScratchFolder("parity")
    defer { folder.remove() }
    try folder.directory("ctx")
    try folder.file("df/\(context.dockerfileName)", "FROM scratch\nCOPY . /ctx/\n")
    try context.populate(folder)

    async let ours = BuildkitProgram.build(
      bed,
      [
        "--context", folder.url("ctx"), "--file", folder.url("df/\(context.dockerfileName)"),
        "--output", "type=local,dest=\(folder.url("ours"))",
      ])
    async let reference = bed.buildctlBuild([
      "--frontend", "dockerfile.v0", "--local", "context=\(folder.url("ctx"))", "--local",
      "dockerfile=\(folder.url("df"))", "--opt", "filename=\(context.dockerfileName)", "--output",
      "type=local,dest=\(folder.url("reference"))",
    ])
    let (ourOutput, referenceOutput) = try await (ours, reference)
    try #require(referenceOutput.status == 0, "buildctl: \(referenceOutput.buildReport)")
    try #require(ourOutput.status == 0, "buildkit: \(ourOutput.buildReport)")

    let ourTree = try FileTree(folder.url("ours"))
    let referenceTree = try FileTree(folder.url("reference"))
    let differences = FileTree.differences(
      referenceTree, ourTree, names: ("buildctl's export", "ours"))
    #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
    for path in context.present {
      #expect(ourTree["ctx/" + path] != nil, "\(path) is missing from the exported context")
    }
    for path in context.absent {
      #expect(ourTree["ctx/" + path] == nil, "\(path) should have been left out")
    }
    for (path, mode) in context.modes.sorted(by: { $0.key < $1.key }) {
      let actual = ourTree["ctx/" + path]?.permissions
      #expect(actual == mode, "\(path) has mode \(actual.map { String($0, radix: 8) } ?? "-")")
    }
  }

  @Test("hard links of the context reach the daemon as buildctl sends them (seen in a tar export)")
  func sendsHardLinksLikeBuildctl() async throws {
    let bed = try TestBed.require()
    let folder = try ScratchFolder("parity-tar")
    defer { folder.remove() }
    let hardLinks = try #require(Self.cases.first { $0.name.hasPrefix("hard links") })
    try folder.directory("ctx")
    try folder.file("df/Dockerfile", "FROM scratch\nCOPY . /ctx/\n")
    try hardLinks.populate(folder)

    // A tar export does not go through our local-export receiver, so this checks only what our
    // client sent.
    async let ours = BuildkitProgram.build(
      bed,
      [
        "--context", folder.url("ctx"), "--file", folder.url("df/Dockerfile"), "--output",
        "type=tar,dest=\(folder.url("ours.tar"))",
      ])
    async let reference = bed.buildctlBuild([
      "--frontend", "dockerfile.v0", "--local", "context=\(folder.url("ctx"))", "--local",
      "dockerfile=\(folder.url("df"))", "--output", "type=tar,dest=\(folder.url("reference.tar"))",
    ])
    let (ourOutput, referenceOutput) = try await (ours, reference)
    try #require(referenceOutput.status == 0, "buildctl: \(referenceOutput.buildReport)")
    try #require(ourOutput.status == 0, "buildkit: \(ourOutput.buildReport)")

    var listings: [[String]] = []
    for tarball in ["ours.tar", "reference.tar"] {
      let listed = try await Subprocess.run(
        "tar", ["--numeric-owner", "-tvf", folder.url(tarball)], timeout: .seconds(60))
      try #require(listed.succeeded, "\(listed.buildReport)")
      listings.append(BuildOutputTests.tarListing(listed.standardOutput))
    }
    #expect(listings[0] == listings[1])
    #expect(
      listings[0].contains { $0.hasPrefix("h") && $0.hasSuffix("ctx/b.txt link to ctx/a.txt") })
  }
}
