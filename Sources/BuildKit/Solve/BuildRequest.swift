/// Everything one build needs: what to build, what the daemon may read from us, and where the
/// results go.
///
/// The fields map one to one onto `buildctl build` flags, so a request can be described the
/// way buildctl users already think of it.
public struct BuildRequest: Sendable {
  /// The frontend that turns the inputs into a build graph, e.g. `dockerfile.v0`; empty when
  /// ``definition`` is set.
  public var frontend: String
  /// Options for the frontend (`--opt`): `filename`, `target`, `build-arg:NAME`, `platform`...
  public var frontendAttributes: [String: String]
  /// A build graph to solve directly instead of running a frontend.
  public var definition: LLB.Definition?
  /// Local directories the daemon may read, by name (`--local context=.`).
  public var localDirectories: [String: String]
  /// Where results go (`--output`); may be empty.
  public var exports: [Export]
  /// Cache exports (`--export-cache`).
  public var cacheExports: [CacheEntry]
  /// Cache imports (`--import-cache`).
  public var cacheImports: [CacheEntry]
  /// Build secrets by id (`--secret`).
  public var secrets: [String: SecretSource]
  /// Extra privileges such as `network.host` (`--allow`); the daemon must allow them too.
  public var entitlements: [String]
  /// The build's id; progress, history and errors refer to it.
  public var ref: String
  /// The key under which the daemon keeps its copy of our local directories for the next
  /// build; a stable value makes rebuilds transfer only what changed.
  public var sharedKey: String

  /// Creates a request.
  public init(
    frontend: String = "dockerfile.v0",
    frontendAttributes: [String: String] = [:],
    definition: LLB.Definition? = nil,
    localDirectories: [String: String] = [:],
    exports: [Export] = [],
    cacheExports: [CacheEntry] = [],
    cacheImports: [CacheEntry] = [],
    secrets: [String: SecretSource] = [:],
    entitlements: [String] = [],
    ref: String = Identifiers.random(),
    sharedKey: String = ""
  ) {
    self.frontend = frontend
    self.frontendAttributes = frontendAttributes
    self.definition = definition
    self.localDirectories = localDirectories
    self.exports = exports
    self.cacheExports = cacheExports
    self.cacheImports = cacheImports
    self.secrets = secrets
    self.entitlements = entitlements
    self.ref = ref
    self.sharedKey = sharedKey
  }

  /// One output of the build.
  public struct Export: Sendable, Hashable {
    /// The daemon's exporter: `image`, `local`, `tar`, `oci` or `docker`.
    public var type: String
    /// The exporter's attributes, e.g. `name` and `push` for `image`.
    public var attributes: [String: String]
    /// Where a streamed export (`local`, `tar`, `oci`, `docker`) lands on our side.
    public var destination: ExportDestination?

    /// Creates an export.
    public init(
      type: String, attributes: [String: String] = [:], destination: ExportDestination? = nil
    ) {
      self.type = type
      self.attributes = attributes
      self.destination = destination
    }
  }

  /// One cache import or export, passed to the daemon as given.
  public struct CacheEntry: Sendable, Hashable {
    /// The cache backend: `registry`, `local`, `inline`, `s3`, `gha`, `azblob`.
    public var type: String
    /// The backend's attributes, e.g. `ref`, `mode`, `bucket`.
    public var attributes: [String: String]

    /// Creates an entry.
    public init(type: String, attributes: [String: String] = [:]) {
      self.type = type
      self.attributes = attributes
    }
  }
}

/// What a finished build reports.
public struct BuildResult: Sendable, Hashable {
  /// The merged responses of the exporters, e.g. `containerimage.digest`.
  public var exporterResponse: [String: String]

  /// Creates a result.
  public init(exporterResponse: [String: String]) {
    self.exporterResponse = exporterResponse
  }
}
