internal import CGRPC
import Foundation

/// Channel and server arguments for C-core, built for the duration of one creation call.
struct ChannelArguments {
  enum Value {
    case integer(Int32)
    case string(String)
  }

  var entries: [(key: String, value: Value)] = []

  /// The limits every channel and server of ours shares: 16 MiB messages both ways, as
  /// BuildKit's Go peers use, and room for large metadata (the daemon sends one header per
  /// `.dockerignore` pattern).
  static func standard(messageLimit: Int32) -> ChannelArguments {
    var arguments = ChannelArguments()
    arguments.entries.append(("grpc.max_receive_message_length", .integer(messageLimit)))
    arguments.entries.append(("grpc.max_send_message_length", .integer(messageLimit)))
    arguments.entries.append(("grpc.max_metadata_size", .integer(4 << 20)))
    arguments.entries.append(("grpc.absolute_max_metadata_size", .integer(4 << 20)))
    return arguments
  }

  /// Calls `body` with a `grpc_channel_args` whose strings live until `body` returns.
  func withCoreArguments<T>(_ body: (UnsafePointer<grpc_channel_args>) -> T) -> T {
    var strings: [UnsafeMutablePointer<CChar>] = []
    defer {
      for string in strings { free(string) }
    }
    func copy(_ text: String) -> UnsafeMutablePointer<CChar> {
      let pointer = strdup(text)!
      strings.append(pointer)
      return pointer
    }

    var args: [grpc_arg] = self.entries.map { entry in
      var arg = grpc_arg()
      arg.key = copy(entry.key)
      switch entry.value {
      case .integer(let value):
        arg.type = GRPC_ARG_INTEGER
        arg.value.integer = value
      case .string(let value):
        arg.type = GRPC_ARG_STRING
        arg.value.string = copy(value)
      }
      return arg
    }
    return args.withUnsafeMutableBufferPointer { buffer in
      var channelArgs = grpc_channel_args(num_args: buffer.count, args: buffer.baseAddress)
      return withUnsafePointer(to: &channelArgs) { body($0) }
    }
  }
}
