import Foundation
import Testing

/// `buildkit build` against daemon a: Dockerfile features end to end, with the results read back
/// from a local export or, through skopeo, from the registry.
@Suite("buildkit build runs Dockerfile builds", .requiresTestBed)
struct BuildCommandTests {
  @Test("FROM scratch with COPY exports the copied files to a local directory")
  func copiesFilesFromScratch() async throws {
    let bed = try TestBed.require()
    let folder = try ScratchFolder("copy")
    defer { folder.remove() }
    try folder.file("ctx/hello.txt", "hello from the context\n")
    try folder.file("ctx/sub/tool.sh", "#!/bin/sh\necho tool\n", mode: 0o755)
    try folder.file("ctx/Dockerfile", "FROM scratch\nCOPY hello.txt /hello.txt\nCOPY sub /bin/\n")

    let output = try await BuildkitProgram.build(
      bed, ["--context", folder.url("ctx"), "--output", "type=local,dest=\(folder.url("out"))"])

    #expect(output.status == 0, "\(output.buildReport)")
    let tree = try FileTree(folder.url("out"))
    #expect(tree.paths == ["bin", "bin/tool.sh", "hello.txt"])
    #expect(folder.text("out/hello.txt") == "hello from the context\n")
    #expect(tree["bin/tool.sh"]?.permissions == 0o755)
  }

  @Test("a RUN step on the busybox base image runs and its output is exported")
  func runsACommandOnTheBaseImage() async throws {
    let bed = try TestBed.require()
    let base = try await BusyboxBaseImage.reference(bed)
    let folder = try ScratchFolder("run")
    defer { folder.remove() }
    try folder.file(
      "ctx/Dockerfile",
      """
      FROM \(base)
      RUN echo "ran as $(id -u) in $(pwd)" > /result.txt && ls /bin/busybox >> /result.txt

      """)

    let output = try await BuildkitProgram.build(
      bed, ["--context", folder.url("ctx"), "--output", "type=local,dest=\(folder.url("out"))"])

    #expect(output.status == 0, "\(output.buildReport)")
    #expect(folder.text("out/result.txt") == "ran as 0 in /\n/bin/busybox\n")
    #expect(output.standardError.contains("RUN echo"))
  }

  @Test("a multi-stage build copies a file from an earlier stage with COPY --from")
  func copiesFromAnEarlierStage() async throws {
    let bed = try TestBed.require()
    let base = try await BusyboxBaseImage.reference(bed)
    let folder = try ScratchFolder("stages")
    defer { folder.remove() }
    try folder.file("ctx/input.txt", "abc\n")
    try folder.file(
      "ctx/Dockerfile",
      """
      FROM \(base) AS compute
      COPY input.txt /work/input.txt
      RUN tr a-z A-Z < /work/input.txt > /work/upper.txt

      FROM scratch
      COPY --from=compute /work/upper.txt /final/upper.txt

      """)

    let output = try await BuildkitProgram.build(
      bed, ["--context", folder.url("ctx"), "--output", "type=local,dest=\(folder.url("out"))"])

    #expect(output.status == 0, "\(output.buildReport)")
    #expect(try FileTree(folder.url("out")).paths == ["final", "final/upper.txt"])
    #expect(folder.text("out/final/upper.txt") == "ABC\n")
  }

  /// The two spellings of a build argument.
  enum BuildArgumentSpelling: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case buildArgFlag = "--build-arg"
    case frontendOption = "--opt build-arg:"

    var testDescription: String { self.rawValue }

    func arguments(name: String, value: String) -> [String] {
      switch self {
      case .buildArgFlag: ["--build-arg", "\(name)=\(value)"]
      case .frontendOption: ["--opt", "build-arg:\(name)=\(value)"]
      }
    }
  }

  @Test(
    "a build argument reaches ARG in RUN and in COPY", arguments: BuildArgumentSpelling.allCases)
  func passesBuildArguments(spelling: BuildArgumentSpelling) async throws {
    let bed = try TestBed.require()
    let base = try await BusyboxBaseImage.reference(bed)
    let folder = try ScratchFolder("args")
    defer { folder.remove() }
    try folder.file("ctx/default.txt", "default\n")
    try folder.file("ctx/chosen.txt", "chosen\n")
    try folder.file(
      "ctx/Dockerfile",
      """
      FROM \(base) AS greet
      ARG GREETING=unset
      RUN echo "greeting=$GREETING" > /greeting.txt

      FROM scratch
      ARG SOURCE=default.txt
      COPY ${SOURCE} /picked.txt
      COPY --from=greet /greeting.txt /greeting.txt

      """)
    let value = "hello-\(UniqueName.token())"

    let output = try await BuildkitProgram.build(
      bed,
      ["--context", folder.url("ctx"), "--output", "type=local,dest=\(folder.url("out"))"]
        + spelling.arguments(name: "GREETING", value: value)
        + spelling.arguments(name: "SOURCE", value: "chosen.txt"))

    #expect(output.status == 0, "\(output.buildReport)")
    #expect(folder.text("out/greeting.txt") == "greeting=\(value)\n")
    #expect(folder.text("out/picked.txt") == "chosen\n")
  }

  @Test(
    "--target and --opt target= build only the named stage",
    arguments: [
      ["--target", "first"], ["--opt", "target=first"],
    ])
  func buildsTheTargetStage(targetArguments: [String]) async throws {
    let bed = try TestBed.require()
    let folder = try ScratchFolder("target")
    defer { folder.remove() }
    try folder.file("ctx/a.txt", "a\n")
    try folder.file("ctx/b.txt", "b\n")
    try folder.file(
      "ctx/Dockerfile",
      """
      FROM scratch AS first
      COPY a.txt /a.txt

      FROM scratch AS second
      COPY b.txt /b.txt

      FROM second
      COPY a.txt /also-a.txt

      """)

    let output = try await BuildkitProgram.build(
      bed,
      ["--context", folder.url("ctx"), "--output", "type=local,dest=\(folder.url("out"))"]
        + targetArguments)

    #expect(output.status == 0, "\(output.buildReport)")
    #expect(try FileTree(folder.url("out")).paths == ["a.txt"])
  }

  @Test("LABEL instructions end up in the configuration of the pushed image")
  func pushesLabels() async throws {
    let bed = try TestBed.require()
    let folder = try ScratchFolder("labels")
    defer { folder.remove() }
    let reference = UniqueName.repository(in: bed.registry, "labels") + ":v1"
    try folder.file("ctx/file.txt", "labelled\n")
    try folder.file(
      "ctx/Dockerfile",
      """
      FROM scratch
      LABEL org.example.team="build tests" org.example.version=1.2
      LABEL "org.example.quoted"="with \\"quotes\\""
      COPY file.txt /file.txt

      """)

    let output = try await BuildkitProgram.build(
      bed, ["--context", folder.url("ctx"), "--tag", reference, "--push"])

    #expect(output.status == 0, "\(output.buildReport)")
    let image = try await RegistryReadback.inspect(reference)
    #expect(image.labels["org.example.team"] == "build tests")
    #expect(image.labels["org.example.version"] == "1.2")
    #expect(image.labels["org.example.quoted"] == "with \"quotes\"")
    #expect(image.layers.count == 1)
  }
}
