import BuildKit
import Foundation
import Testing

@Suite("Solve failure")
struct SolveFailureTests {
  static let dockerfile = "FROM alpine\nRUN apk add foo\nRUN make\nCOPY . /src\nRUN false\n"

  static func detail(_ type: String, _ json: String) -> Google.`Any` {
    Google.`Any`(typeURL: "github.com/moby/buildkit/" + type, value: utf8(json))
  }

  static func sourceJSON(_ data: String, ranges: String) -> String {
    let encoded = Data(data.utf8).base64EncodedString()
    return #"{"info":{"filename":"Dockerfile","data":""# + encoded
      + #"","language":"Dockerfile"},"ranges":"# + ranges + "}"
  }

  static func source(_ ranges: [(Int32, Int32)], data: String = dockerfile) -> SolveFailure.Source {
    SolveFailure.Source(
      info: LLB.SourceInfo(filename: "Dockerfile", data: utf8(data)),
      ranges: ranges.map {
        LLB.Range(start: LLB.Position(line: $0.0), end: LLB.Position(line: $0.1))
      }
    )
  }

  @Test("the details of a status trailer give the sources, vertex and exit code")
  func decodingDetails() throws {
    let status = Google.RPCStatus(
      code: 2,
      message: #"process "/bin/sh -c false" did not complete successfully: exit code: 1"#,
      details: [
        Self.detail("stack.Stack+json", #"{"frames":[{"Name":"main","File":"x.go","Line":1}]}"#),
        Self.detail(
          "errdefs.Source+json",
          Self.sourceJSON(
            Self.dockerfile,
            ranges: #"[{"start":{"line":5},"end":{"line":5,"character":9}}]"#
          )
        ),
        Self.detail("errdefs.Source+json", "{not json"),
        Self.detail("errdefs.Vertex+json", #"{"digest":"sha256:ffff"}"#),
        Self.detail("errdefs.Solve+json", #"{"inputIDs":["a"],"op":{}}"#),
        Self.detail("gatewayapi.ExitMessage+json", #"{"Code":1}"#),
      ]
    )

    let failure = try SolveFailure(statusDetails: status.encoded())

    #expect(failure.statusCode == 2)
    #expect(failure.message == status.message)
    #expect(failure.vertexDigest == "sha256:ffff")
    #expect(failure.exitCode == 1)
    #expect(
      failure.sources == [
        SolveFailure.Source(
          info: LLB.SourceInfo(
            filename: "Dockerfile",
            data: utf8(Self.dockerfile),
            language: "Dockerfile"
          ),
          ranges: [
            LLB.Range(start: LLB.Position(line: 5), end: LLB.Position(line: 5, character: 9))
          ]
        )
      ]
    )
    #expect(failure.description == status.message)
  }

  @Test("a status without details is just its code and message")
  func plainStatus() throws {
    let status = Google.RPCStatus(code: 1, message: "context canceled")
    let failure = try SolveFailure(statusDetails: status.encoded())
    #expect(failure == SolveFailure(statusCode: 1, message: "context canceled"))
  }

  @Test("bytes that are not a google.rpc.Status are reported as malformed")
  func malformedTrailer() {
    #expect {
      // Field 2 (message) claims five bytes but only one follows.
      try SolveFailure(statusDetails: [0x12, 0x05, 0x41])
    } throws: { error in
      (error as? BuildKitError)?.code == .malformedMessage
    }
  }

  @Test("a failure can be the cause of a BuildKitError")
  func asCause() {
    let failure = SolveFailure(message: "exit code: 3", exitCode: 3)
    let error = BuildKitError(code: .solveFailed, message: "The build failed.", cause: failure)
    #expect(error.cause as? SolveFailure == failure)
  }

  @Test("a one-line range at the start of the file shows two lines after it")
  func singleLineAtStart() {
    #expect(
      Self.source([(1, 1)]).renderedSnippet() == """
        Dockerfile:1
        --------------------
           1 | >>> FROM alpine
           2 |     RUN apk add foo
           3 |     RUN make
        --------------------

        """
    )
  }

  @Test("a one-line range at the end of the file shows two lines before it")
  func singleLineAtEnd() {
    let data = "FROM alpine\nRUN apk add foo\nRUN make\nCOPY . /src\nRUN false"
    #expect(
      Self.source([(5, 5)], data: data).renderedSnippet() == """
        Dockerfile:5
        --------------------
           3 |     RUN make
           4 |     COPY . /src
           5 | >>> RUN false
        --------------------

        """
    )
  }

  @Test("a multi-line range at the start of the file shows one line after it")
  func multiLineAtStart() {
    #expect(
      Self.source([(1, 2)]).renderedSnippet() == """
        Dockerfile:1
        --------------------
           1 | >>> FROM alpine
           2 | >>> RUN apk add foo
           3 |     RUN make
        --------------------

        """
    )
  }

  @Test("a multi-line range at the end of the file shows the empty line after the last break")
  func multiLineAtEnd() {
    #expect(
      Self.source([(4, 5)]).renderedSnippet() == """
        Dockerfile:4
        --------------------
           3 |     RUN make
           4 | >>> COPY . /src
           5 | >>> RUN false
           6 |     \("")
        --------------------

        """
    )
  }

  @Test("several ranges share one window and only their own lines are marked")
  func severalRanges() {
    #expect(
      Self.source([(4, 4), (2, 1)]).renderedSnippet() == """
        Dockerfile:4
        --------------------
           1 |     FROM alpine
           2 | >>> RUN apk add foo
           3 |     RUN make
           4 | >>> COPY . /src
           5 |     RUN false
        --------------------

        """
    )
  }

  @Test("line numbers are right-aligned in three columns and carriage returns are not shown")
  func wideNumbersAndCRLF() {
    let data = (1...120).map { "LINE \($0)\r\n" }.joined()
    let snippet = Self.source([(100, 100)], data: data).renderedSnippet()
    #expect(snippet.contains("\n  98 |     LINE 98\n"))
    #expect(snippet.contains("\n 100 | >>> LINE 100\n"))
    #expect(!snippet.contains("\r"))
  }

  @Test("a source without ranges renders nothing")
  func noRanges() {
    #expect(Self.source([]).renderedSnippet().isEmpty)
  }

  @Test("the report lists every source snippet and ends with the error line")
  func report() {
    let failure = SolveFailure(
      message: "dockerfile parse error on line 2: unknown instruction: FOO",
      sources: [Self.source([(1, 1)]), Self.source([(3, 3)])]
    )
    #expect(
      failure.renderedReport()
        == Self.source([(1, 1)]).renderedSnippet() + Self.source([(3, 3)]).renderedSnippet()
        + "error: dockerfile parse error on line 2: unknown instruction: FOO\n"
    )
  }
}
