import BuildKit
import Foundation
import Testing

@Suite("Raw JSON progress printer")
struct RawJSONProgressPrinterTests {
  static func object(_ line: String) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(line.utf8))
    return try #require(value as? [String: Any])
  }

  @Test("every batch of the scripted build is one line that parses as a JSON object")
  func oneLinePerBatch() throws {
    let capture = OutputCapture()
    var printer = RawJSONProgressPrinter(sink: capture.sink)
    for batch in ScriptedBuild.batches {
      printer.update(batch, now: .now)
    }
    printer.finish(now: .now)

    #expect(capture.written.count == ScriptedBuild.batches.count)
    for line in capture.written {
      #expect(line.hasSuffix("\n"))
      #expect(line.dropLast().contains("\n") == false)
      _ = try Self.object(line)
    }
  }

  @Test("vertices, statuses and logs carry buildctl's field names and formats")
  func fields() throws {
    let line = RawJSONProgressPrinter.line(
      for: Control.StatusResponse(
        vertexes: [
          Control.Vertex(
            digest: "sha256:aa",
            inputs: ["sha256:bb"],
            name: "RUN <make> & \"test\"",
            cached: true,
            started: at(0.25),
            completed: at(1),
            error: "exit code: 2",
            progressGroup: LLB.ProgressGroup(id: "g", name: "group", weak: true)
          )
        ],
        statuses: [
          Control.VertexStatus(
            id: "layer", vertex: "sha256:aa", name: "downloading", current: 5,
            total: 10, timestamp: at(0.5), started: at(0.25), completed: at(0.75))
        ],
        logs: [
          Control.VertexLog(vertex: "sha256:aa", timestamp: at(0.5), stream: 2, msg: [0, 10, 255])
        ]
      ))
    let json = try Self.object(line)

    let vertex = try #require((json["vertexes"] as? [[String: Any]])?.first)
    #expect(vertex["digest"] as? String == "sha256:aa")
    #expect(vertex["inputs"] as? [String] == ["sha256:bb"])
    #expect(vertex["name"] as? String == "RUN <make> & \"test\"")
    #expect(vertex["cached"] as? Bool == true)
    #expect(vertex["started"] as? String == "2023-11-14T22:13:20.25Z")
    #expect(vertex["completed"] as? String == "2023-11-14T22:13:21Z")
    #expect(vertex["error"] as? String == "exit code: 2")
    let group = try #require(vertex["progressGroup"] as? [String: Any])
    #expect(group["id"] as? String == "g")
    #expect(group["weak"] as? Bool == true)

    let status = try #require((json["statuses"] as? [[String: Any]])?.first)
    #expect(status["id"] as? String == "layer")
    #expect(status["vertex"] as? String == "sha256:aa")
    #expect(status["name"] as? String == "downloading")
    #expect(status["current"] as? Int == 5)
    #expect(status["total"] as? Int == 10)
    #expect(status["timestamp"] as? String == "2023-11-14T22:13:20.5Z")
    #expect(status["started"] as? String == "2023-11-14T22:13:20.25Z")
    #expect(status["completed"] as? String == "2023-11-14T22:13:20.75Z")

    let log = try #require((json["logs"] as? [[String: Any]])?.first)
    #expect(log["vertex"] as? String == "sha256:aa")
    #expect(log["stream"] as? Int == 2)
    let data = try #require(log["data"] as? String)
    #expect(Data(base64Encoded: data).map { [UInt8]($0) } == [0, 10, 255])
    #expect(log["timestamp"] as? String == "2023-11-14T22:13:20.5Z")
    #expect(json["warnings"] == nil)
  }

  @Test("fields are written in a fixed order and empty ones are left out")
  func exactLine() {
    let line = RawJSONProgressPrinter.line(
      for: Control.StatusResponse(
        vertexes: [Control.Vertex(digest: "sha256:aa", name: "a<b", started: at(0))],
        statuses: [Control.VertexStatus(id: "x", vertex: "sha256:aa")],
        warnings: [
          Control.VertexWarning(
            vertex: "sha256:aa",
            level: 1,
            short: utf8("hi"),
            info: LLB.SourceInfo(
              filename: "Dockerfile", data: utf8("FROM x"), language: "Dockerfile"),
            ranges: [
              LLB.Range(start: LLB.Position(line: 1), end: LLB.Position(line: 1, character: 6))
            ]
          )
        ]
      ))
    let expected = [
      #"{"vertexes":[{"digest":"sha256:aa","name":"a\u003cb","#,
      #""started":"2023-11-14T22:13:20Z"}],"#,
      #""statuses":[{"id":"x","vertex":"sha256:aa","current":0,"#,
      #""timestamp":"0001-01-01T00:00:00Z"}],"#,
      #""warnings":[{"vertex":"sha256:aa","level":1,"short":"aGk=","#,
      #""sourceInfo":{"filename":"Dockerfile","data":"RlJPTSB4","language":"Dockerfile"},"#,
      #""range":[{"start":{"line":1},"end":{"line":1,"character":6}}]}]}"#,
      "\n",
    ]
    #expect(line == expected.joined())
  }

  @Test("an empty batch is an empty object")
  func emptyBatch() {
    #expect(RawJSONProgressPrinter.line(for: Control.StatusResponse()) == "{}\n")
  }

  @Test(
    "times print as RFC 3339 in UTC with trailing zeros of the fraction removed",
    arguments: [
      (Google.Timestamp(seconds: 0), "1970-01-01T00:00:00Z"),
      (Google.Timestamp(seconds: 1_709_208_000, nanos: 1), "2024-02-29T12:00:00.000000001Z"),
      (Google.Timestamp(seconds: 951_782_400, nanos: 120_000_000), "2000-02-29T00:00:00.12Z"),
      (Google.Timestamp(seconds: -1, nanos: 500_000_000), "1969-12-31T23:59:59.5Z"),
      (Google.Timestamp(seconds: -62_135_596_800), "0001-01-01T00:00:00Z"),
    ]
  )
  func times(timestamp: Google.Timestamp, text: String) throws {
    let line = RawJSONProgressPrinter.line(
      for: Control.StatusResponse(vertexes: [
        Control.Vertex(digest: "d", started: timestamp)
      ]))
    let vertex = try #require((Self.object(line)["vertexes"] as? [[String: Any]])?.first)
    #expect(vertex["started"] as? String == text)
  }
}
