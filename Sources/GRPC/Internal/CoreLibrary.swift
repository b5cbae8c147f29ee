internal import CGRPC
import Synchronization

/// Keeps gRPC C-core initialised while any channel or server of ours is alive.
///
/// Every owner calls ``retain()`` when it is created and ``release()`` once it is closed.
/// `grpc_init` and `grpc_shutdown` are themselves reference counted by C-core; the last
/// `grpc_shutdown` stops C-core's background threads, which is what lets a process that closes
/// all its clients return to its original thread count.
enum CoreLibrary {
  /// Whether C-core stays initialised until the process ends (see ``GRPCRuntime``), and
  /// whether that lasting reference has been taken.
  static let lasting = Mutex<(wanted: Bool, taken: Bool)>((false, false))

  static func retain() {
    // C-core logs errors to stderr by default; a library must stay silent, and every failure
    // reaches the caller as an error anyway.
    gpr_set_log_function { _ in }
    grpc_init()
    let takeLasting = Self.lasting.withLock { lasting in
      defer { if lasting.wanted { lasting.taken = true } }
      return lasting.wanted && !lasting.taken
    }
    if takeLasting { grpc_init() }
  }

  static func release() {
    // grpc_shutdown_blocking waits for C-core's own threads to stop when this was the last
    // reference, so no thread outlives the last channel or server.
    grpc_shutdown_blocking()
  }

  /// The version of the linked C-core library.
  static var version: String {
    String(cString: grpc_version_string())
  }
}

/// Time conversions to C-core's `gpr_timespec`.
enum CoreTime {
  /// A deadline that never passes.
  static var infiniteFuture: gpr_timespec {
    gpr_inf_future(GPR_CLOCK_REALTIME)
  }

  /// The deadline `duration` from now, or never when `duration` is nil.
  static func deadline(after duration: Duration?) -> gpr_timespec {
    guard let duration else { return Self.infiniteFuture }
    let (seconds, attoseconds) = duration.components
    let millis = max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    return gpr_time_add(
      gpr_now(GPR_CLOCK_MONOTONIC),
      gpr_time_from_millis(millis, GPR_TIMESPAN)
    )
  }
}

/// A C-core handle that may cross threads.
///
/// `@unchecked Sendable`: C-core's channel, server, call and completion-queue functions are
/// thread-safe; the owning Swift type decides when the handle is released.
struct CoreHandle: @unchecked Sendable {
  let pointer: OpaquePointer
}

/// Process-wide settings of the gRPC runtime.
public enum GRPCRuntime {
  /// Keeps gRPC C-core initialised from the first channel or server until the process ends.
  ///
  /// Normally closing the last channel or server shuts C-core down and waits for its
  /// background threads to stop, so that a long-lived process returns to its own thread count.
  /// A short-lived program that exits right after its calls (a command-line tool) can skip
  /// that wait: after this call, closing the last channel leaves C-core's threads to end with
  /// the process. Such a program should end with `_exit` once its output is flushed, since
  /// running C++ static destructors while those threads are alive is not safe.
  public static func keepInitializedUntilExit() {
    CoreLibrary.lasting.withLock { $0.wanted = true }
  }
}
