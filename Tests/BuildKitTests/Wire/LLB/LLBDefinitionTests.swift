import BuildKit
import Testing

@Suite("LLB definitions")
struct LLBDefinitionTests {
  @Test("a definition with metadata and a nested source map round-trips")
  func definitionRoundTrip() throws {
    let source = LLB.Op(op: .source(LLB.SourceOp(identifier: "local://context"))).encoded()
    let inner = LLB.Definition(def: [source])
    let definition = LLB.Definition(
      def: [source, LLB.Op(inputs: [LLB.Input(digest: "sha256:aa")]).encoded()],
      metadata: [
        "sha256:aa": LLB.OpMetadata(
          ignoreCache: true,
          description: ["llb.customname": "copy sources"],
          exportCache: LLB.ExportCache(value: true),
          caps: ["source.local": true, "exec.mount.bind": false],
          progressGroup: LLB.ProgressGroup(id: "p", name: "copy", weak: false)
        )
      ],
      source: LLB.Source(
        locations: [
          "sha256:aa": LLB.Locations(locations: [
            LLB.Location(
              sourceIndex: 0,
              ranges: [
                LLB.Range(start: LLB.Position(line: 3, character: 1), end: LLB.Position(line: 4))
              ]
            )
          ])
        ],
        infos: [
          LLB.SourceInfo(
            filename: "Dockerfile",
            data: Array("FROM x\n".utf8),
            definition: inner,
            language: "Dockerfile"
          )
        ]
      )
    )

    #expect(try roundTripped(definition) == definition)
  }

  @Test("a range with v0.13's empty positions decodes them as present zero positions")
  func emptyPositions() throws {
    let range = try LLB.Range(decoding: bytes("0A 00 12 00"))

    #expect(range == LLB.Range(start: LLB.Position(), end: LLB.Position()))
    #expect(try LLB.Range(decoding: []) == LLB.Range())
  }
}
