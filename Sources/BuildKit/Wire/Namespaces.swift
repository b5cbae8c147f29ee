// The namespaces of the wire types, one per protobuf package family. They keep message names
// such as `Stat`, `Op` or `Status` apart from same-named types of other modules.

/// Messages of BuildKit's Control API (`moby.buildkit.v1` and `moby.buildkit.v1.types`).
public enum Control {}

/// Messages of LLB, BuildKit's build graph (`pb`).
public enum LLB {}

/// Messages of fsutil's file transfer protocol (`fsutil.types`).
public enum FSUtil {}

/// Messages of the session's file transfer services (`moby.filesync.v1`).
public enum FileSync {}

/// Messages of the session's registry authentication service (`moby.filesync.v1.Auth`).
public enum SessionAuth {}

/// Messages of the session's secrets service (`moby.buildkit.secrets.v1`).
public enum Secrets {}

/// Messages of the session's SSH agent forwarding service (`moby.sshforward.v1`).
public enum SSHForward {}

/// Messages of the standard gRPC health check (`grpc.health.v1`).
public enum Health {}

/// Google's well-known messages that BuildKit uses (`google.protobuf`, `google.rpc`).
public enum Google {}
