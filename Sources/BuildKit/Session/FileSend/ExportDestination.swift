/// Where an export that the daemon streams to us ends up.
public enum ExportDestination: Sendable, Hashable {
  /// A directory that receives the exported files (the `local` exporter); it is created if
  /// missing, and files already in it are kept unless the export replaces them.
  case directory(String)
  /// A file that receives the exported tarball (`tar`, `oci`, `docker`); it is written under a
  /// temporary name and renamed into place once complete.
  case file(String)
  /// Standard output, for a tarball piped to another program.
  case standardOutput
}
