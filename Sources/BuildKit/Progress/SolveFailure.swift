// Structured build errors from the `grpc-status-details-bin` trailer of a failed Solve call.
//
// The trailer holds a serialized `google.rpc.Status`: the gRPC code, the whole error chain as a
// message, and a list of `google.protobuf.Any` details. BuildKit's details are unusual in that
// their `value` is JSON, not protobuf; the type URL says which JSON (it ends in `+json`):
//
// - `errdefs.Source+json`: `info` {`filename`, `data` (the whole file, base64), `language`} and
//   `ranges` [{`start`, `end`: {`line`, `character`}}], one per source location involved;
// - `errdefs.Vertex+json`: `digest` of the vertex that failed;
// - `gatewayapi.ExitMessage+json`: `Code`, the exit code of the failed process.
//
// Other detail types are skipped, and so is a known detail whose JSON does not parse: the
// message alone still describes the failure.

import Foundation

/// Why a build failed, as the daemon described it.
public struct SolveFailure: Error, Sendable, Hashable, CustomStringConvertible {
  /// A place in a source file, such as a Dockerfile, that the failure points at.
  public struct Source: Sendable, Hashable {
    /// The file: its name, its whole content and its language.
    public var info: LLB.SourceInfo
    /// The spans of the file involved; lines are 1-based.
    public var ranges: [LLB.Range]

    /// Creates a source location; each parameter sets the property of the same name.
    public init(info: LLB.SourceInfo, ranges: [LLB.Range]) {
      self.info = info
      self.ranges = ranges
    }
  }

  /// The gRPC status code of the failed call, e.g. 2 (unknown) for a failed step.
  public var statusCode: Int32
  /// The whole error chain, e.g. `process "/bin/sh -c exit 3" did not complete successfully:
  /// exit code: 3`.
  public var message: String
  /// The source locations involved, in the order the daemon listed them.
  public var sources: [Source]
  /// The digest of the vertex that failed, if the daemon named one.
  public var vertexDigest: String?
  /// The exit code of the failed process, if a process failed.
  public var exitCode: Int?

  /// Creates a failure; each parameter sets the property of the same name.
  public init(
    statusCode: Int32 = 2,
    message: String,
    sources: [Source] = [],
    vertexDigest: String? = nil,
    exitCode: Int? = nil
  ) {
    self.statusCode = statusCode
    self.message = message
    self.sources = sources
    self.vertexDigest = vertexDigest
    self.exitCode = exitCode
  }

  /// Reads a failure from the rich status of a failed call.
  /// - Parameter status: The decoded `google.rpc.Status`.
  public init(status: Google.RPCStatus) {
    self.init(statusCode: status.code, message: status.message)
    for detail in status.details {
      self.absorb(detail)
    }
  }

  /// Reads a failure from the bytes of the `grpc-status-details-bin` trailer.
  /// - Parameter statusDetails: The trailer's value, already base64-decoded.
  /// - Throws: ``BuildKitError`` with code ``BuildKitError/Code/malformedMessage`` when the bytes
  ///   are not a `google.rpc.Status`.
  public init(statusDetails: [UInt8]) throws(BuildKitError) {
    let status: Google.RPCStatus
    do {
      status = try Google.RPCStatus(decoding: statusDetails)
    } catch {
      throw BuildKitError(
        code: .malformedMessage,
        message:
          "The \(statusDetails.count) bytes of the grpc-status-details-bin trailer do not decode"
          + " as a google.rpc.Status; fall back to the grpc-message text.",
        cause: error
      )
    }
    self.init(status: status)
  }

  /// The error chain.
  public var description: String {
    self.message
  }

  // MARK: - Details

  private mutating func absorb(_ detail: Google.`Any`) {
    let data = Data(detail.value)
    let decoder = JSONDecoder()

    // Compare the last path element only: the host part names where the type was registered.
    switch detail.typeURL.split(separator: "/").last ?? "" {
    case "errdefs.Source+json":
      guard let source = try? decoder.decode(SourceJSON.self, from: data) else { return }
      self.sources.append(source.source)
    case "errdefs.Vertex+json":
      guard let vertex = try? decoder.decode(VertexJSON.self, from: data) else { return }
      if self.vertexDigest == nil, let digest = vertex.digest, !digest.isEmpty {
        self.vertexDigest = digest
      }
    case "gatewayapi.ExitMessage+json":
      guard let exit = try? decoder.decode(ExitMessageJSON.self, from: data) else { return }
      if self.exitCode == nil {
        self.exitCode = exit.code
      }
    default:
      return
    }
  }
}

// MARK: - JSON shapes

/// `errdefs.Source` as Go's JSON encoder writes it; empty fields are absent.
private struct SourceJSON: Decodable {
  struct Info: Decodable {
    var filename: String?
    var data: String?
    var language: String?
  }

  struct Range: Decodable {
    var start: Position?
    var end: Position?
  }

  struct Position: Decodable {
    var line: Int32?
    var character: Int32?

    var position: LLB.Position {
      LLB.Position(line: self.line ?? 0, character: self.character ?? 0)
    }
  }

  var info: Info?
  var ranges: [Range]?

  var source: SolveFailure.Source {
    let content = self.info?.data.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
    let info = LLB.SourceInfo(
      filename: self.info?.filename ?? "",
      data: content ?? [],
      language: self.info?.language ?? ""
    )
    let ranges = (self.ranges ?? []).map {
      LLB.Range(
        start: $0.start?.position ?? LLB.Position(),
        end: $0.end?.position ?? LLB.Position()
      )
    }
    return SolveFailure.Source(info: info, ranges: ranges)
  }
}

/// `errdefs.Vertex` as JSON.
private struct VertexJSON: Decodable {
  var digest: String?
}

/// `gatewayapi.ExitMessage` as JSON; the Go field name `Code` is the key, a lowercase `code` is
/// accepted too.
private struct ExitMessageJSON: Decodable {
  var code: Int?

  private enum CodingKeys: String, CodingKey {
    case goName = "Code"
    case jsonName = "code"
  }

  init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    self.code =
      try container.decodeIfPresent(Int.self, forKey: .goName)
      ?? container.decodeIfPresent(Int.self, forKey: .jsonName)
  }
}
