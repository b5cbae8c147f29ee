import Testing

/// The suites that use daemon b, the test bed's mutual-TLS daemon.
///
/// They nest here so that their tests run one at a time, never beside each other: the cache
/// tests compare listings of daemon b's records, which another test's build on the same daemon
/// would change between two reads.
@Suite("Daemon b (mutual TLS), one test at a time", .requiresTestBed, .serialized)
enum DaemonBTests {}
