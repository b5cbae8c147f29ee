import BuildKit
import Testing

@Suite("Control solve messages")
struct ControlSolveTests {
  @Test("a solve request with one frontend attribute encodes the map entry as key 1, value 2")
  func mapEntryBytes() throws {
    let request = Control.SolveRequest(ref: "r", frontendAttrs: ["filename": "Dockerfile"])
    let expected = bytes(
      "0A 01 72 3A 16 0A 08 66 69 6C 65 6E 61 6D 65 12 0A 44 6F 63 6B 65 72 66 69 6C 65"
    )

    #expect(request.encoded() == expected)
    #expect(try Control.SolveRequest(decoding: expected) == request)
  }

  @Test("map entries are written in key order, so equal requests encode equally")
  func deterministicMaps() {
    var attrs: [String: String] = [:]
    for index in (0..<50).reversed() {
      attrs["build-arg:A\(index)"] = "\(index)"
    }
    let first = Control.SolveRequest(frontendAttrs: attrs)
    let second = Control.SolveRequest(
      frontendAttrs: Dictionary(uniqueKeysWithValues: attrs.shuffled().map { ($0.key, $0.value) })
    )

    #expect(first.encoded() == second.encoded())
    #expect(
      Control.SolveRequest(frontendAttrs: ["b": "2", "a": "1"]).encoded()
        == bytes("3A 06 0A 01 61 12 01 31 3A 06 0A 01 62 12 01 32")
    )
  }

  @Test("a solve request with every field set round-trips")
  func solveRequestRoundTrip() throws {
    let definition = LLB.Definition(
      def: [LLB.Op(op: .source(LLB.SourceOp(identifier: "local://context"))).encoded()],
      metadata: ["sha256:00": LLB.OpMetadata(description: ["llb.customname": "load"])]
    )
    let exporter = Control.Exporter(
      type: "image",
      attrs: ["name": "example.test/app", "push": "false"]
    )
    let request = Control.SolveRequest(
      ref: "build-1",
      definition: definition,
      exporterDeprecated: "image",
      exporterAttrsDeprecated: exporter.attrs,
      session: "session-1",
      frontend: "dockerfile.v0",
      frontendAttrs: ["filename": "Dockerfile", "build-arg:X": "1"],
      cache: Control.CacheOptions(
        exportRefDeprecated: "old",
        importRefsDeprecated: ["a", "b"],
        exportAttrsDeprecated: ["mode": "max"],
        exports: [Control.CacheOptionsEntry(type: "inline")],
        imports: [Control.CacheOptionsEntry(type: "registry", attrs: ["ref": "example.test/cache"])]
      ),
      entitlements: ["network.host", "security.insecure"],
      frontendInputs: ["context": definition, "empty": LLB.Definition()],
      internal: true,
      exporters: [exporter, Control.Exporter(type: "local", attrs: ["dest": "out"])]
    )

    #expect(try roundTripped(request) == request)
  }

  @Test("a solve response round-trips and an empty one is zero bytes")
  func solveResponse() throws {
    let response = Control.SolveResponse(exporterResponse: ["containerimage.digest": "sha256:ff"])

    #expect(try roundTripped(response) == response)
    #expect(Control.SolveResponse().encoded().isEmpty)
  }

  @Test("an empty cache message as v0.13 sends it decodes as present; a missing one as nil")
  func emptySubMessages() throws {
    let withEmptyCache = try Control.SolveRequest(decoding: bytes("0A 01 72 42 00"))
    let withoutCache = try Control.SolveRequest(decoding: bytes("0A 01 72"))

    #expect(withEmptyCache.cache == Control.CacheOptions())
    #expect(withoutCache.cache == nil)
    #expect(withEmptyCache.encoded() == bytes("0A 01 72 42 00"))
  }

  @Test("fields added by newer daemons are skipped when decoding")
  func unknownFields() throws {
    // Field 14 (bool) and field 16 (int64) are not in this client's SolveRequest.
    let request = try Control.SolveRequest(decoding: bytes("0A 01 72 70 01 80 01 05"))

    #expect(request == Control.SolveRequest(ref: "r"))
  }
}
