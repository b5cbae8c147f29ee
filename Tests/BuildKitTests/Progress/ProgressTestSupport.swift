// Helpers shared by the progress tests: daemon timestamps relative to a fixed instant, and a sink
// that collects what a printer writes.

import BuildKit
import Synchronization

/// The daemon time `offset` seconds after 2023-11-14T22:13:20Z.
func at(_ offset: Double) -> Google.Timestamp {
  let whole = offset.rounded(.down)
  return Google.Timestamp(
    seconds: 1_700_000_000 + Int64(whole),
    nanos: Int32(((offset - whole) * 1e9).rounded())
  )
}

/// Bytes of a UTF-8 string.
func utf8(_ text: String) -> [UInt8] {
  Array(text.utf8)
}

/// Collects the chunks a printer writes to its sink.
final class OutputCapture: Sendable {
  private let chunks = Mutex<[String]>([])

  /// A sink that appends to this capture.
  var sink: @Sendable (String) -> Void {
    { chunk in self.chunks.withLock { $0.append(chunk) } }
  }

  /// Every chunk so far, in order.
  var written: [String] {
    self.chunks.withLock { $0 }
  }

  /// Everything written so far as one string.
  var text: String {
    self.written.joined()
  }
}
