// The module's error type: codes, messages and how they print.
import Testing

@testable import BuildContext

@Suite("ContextError")
struct ContextErrorTests {
  @Test("prints the code, the message and the cause")
  func description() {
    let cause = SystemCallError(function: "openat", errno: 2)
    let error = ContextError(code: .io, message: "cannot read \"x\"", cause: cause)
    #expect(
      error.description
        == #"io: "cannot read "x"" (cause: openat: No such file or directory (errno 2))"#
    )
    #expect(ContextError(code: .unsafePath, message: "m").description == #"unsafePath: "m""#)
  }

  @Test("compares codes by kind")
  func codes() {
    #expect(ContextError.Code.invalidPattern == .invalidPattern)
    #expect(ContextError.Code.invalidPattern != .invalidPath)
    let codes: Set<ContextError.Code> = [
      .invalidPattern, .invalidPath, .notFound, .io, .malformedArchive, .unsafePath, .unsupported,
    ]
    #expect(codes.count == 7)
  }
}
