// The messages of Control/Solve (`moby.buildkit.v1`).
//
// A SolveRequest names the build (`ref`), what to build (an LLB `definition` or a `frontend` with
// its attributes), the session that serves local files and credentials, cache import/export and
// the exporters. The daemon answers with a SolveResponse once the build and all exports are done.

import CBuildKitProtos

extension Control {
  /// A request to run one build (`moby.buildkit.v1.SolveRequest`).
  public struct SolveRequest: WireMessage, Hashable {
    /// The build id; unique among running builds, and the ref to follow with Control/Status.
    public var ref: String
    /// The LLB graph to build; set either this or `frontend`.
    public var definition: LLB.Definition?
    /// The first exporter's type again, for daemons older than v0.13.
    public var exporterDeprecated: String
    /// The first exporter's attributes again, for daemons older than v0.13.
    public var exporterAttrsDeprecated: [String: String]
    /// The id of the session attached with Control/Session.
    public var session: String
    /// The frontend to run, e.g. `dockerfile.v0`.
    public var frontend: String
    /// The frontend's options, e.g. `filename` or `build-arg:NAME`.
    public var frontendAttrs: [String: String]
    /// Cache import and export.
    public var cache: CacheOptions?
    /// Extra privileges such as `network.host`; the daemon must allow them too.
    public var entitlements: [String]
    /// Named LLB inputs for the frontend.
    public var frontendInputs: [String: LLB.Definition]
    /// Whether to keep the build out of the daemon's build history.
    public var `internal`: Bool
    /// The exporters; the position in this list is the exporter id that FileSend calls carry.
    public var exporters: [Exporter]

    /// Creates a request; each parameter sets the property of the same name.
    public init(
      ref: String = "",
      definition: LLB.Definition? = nil,
      exporterDeprecated: String = "",
      exporterAttrsDeprecated: [String: String] = [:],
      session: String = "",
      frontend: String = "",
      frontendAttrs: [String: String] = [:],
      cache: CacheOptions? = nil,
      entitlements: [String] = [],
      frontendInputs: [String: LLB.Definition] = [:],
      internal: Bool = false,
      exporters: [Exporter] = []
    ) {
      self.ref = ref
      self.definition = definition
      self.exporterDeprecated = exporterDeprecated
      self.exporterAttrsDeprecated = exporterAttrsDeprecated
      self.session = session
      self.frontend = frontend
      self.frontendAttrs = frontendAttrs
      self.cache = cache
      self.entitlements = entitlements
      self.frontendInputs = frontendInputs
      self.internal = `internal`
      self.exporters = exporters
    }
  }

  /// Cache import and export settings of a build (`moby.buildkit.v1.CacheOptions`).
  public struct CacheOptions: WireMessage, Hashable {
    /// A cache export ref, as daemons before v0.4 read it.
    public var exportRefDeprecated: String
    /// Cache import refs, as daemons before v0.4 read them.
    public var importRefsDeprecated: [String]
    /// Cache export attributes, as daemons before v0.4 read them.
    public var exportAttrsDeprecated: [String: String]
    /// Where to export the cache to.
    public var exports: [CacheOptionsEntry]
    /// Where to import cache from.
    public var imports: [CacheOptionsEntry]

    /// Creates cache options; each parameter sets the property of the same name.
    public init(
      exportRefDeprecated: String = "",
      importRefsDeprecated: [String] = [],
      exportAttrsDeprecated: [String: String] = [:],
      exports: [CacheOptionsEntry] = [],
      imports: [CacheOptionsEntry] = []
    ) {
      self.exportRefDeprecated = exportRefDeprecated
      self.importRefsDeprecated = importRefsDeprecated
      self.exportAttrsDeprecated = exportAttrsDeprecated
      self.exports = exports
      self.imports = imports
    }
  }

  /// One cache importer or exporter (`moby.buildkit.v1.CacheOptionsEntry`).
  public struct CacheOptionsEntry: WireMessage, Hashable {
    /// The cache backend: `registry`, `inline`, `local`, `gha`, `s3` or `azblob`.
    public var type: String
    /// Backend options such as `ref` or `mode`.
    public var attrs: [String: String]

    /// Creates a cache entry; each parameter sets the property of the same name.
    public init(type: String = "", attrs: [String: String] = [:]) {
      self.type = type
      self.attrs = attrs
    }
  }

  /// One exporter of a build's result (`moby.buildkit.v1.Exporter`).
  public struct Exporter: WireMessage, Hashable {
    /// The exporter: `image`, `local`, `tar`, `oci`, `docker`, `moby`, ...
    public var type: String
    /// Exporter options such as `name` or `push`.
    public var attrs: [String: String]

    /// Creates an exporter; each parameter sets the property of the same name.
    public init(type: String = "", attrs: [String: String] = [:]) {
      self.type = type
      self.attrs = attrs
    }
  }

  /// The result of a finished build (`moby.buildkit.v1.SolveResponse`).
  public struct SolveResponse: WireMessage, Hashable {
    /// What the exporters reported, e.g. `containerimage.digest`.
    public var exporterResponse: [String: String]

    /// Creates a response; each parameter sets the property of the same name.
    public init(exporterResponse: [String: String] = [:]) {
      self.exporterResponse = exporterResponse
    }
  }
}

extension Control.SolveRequest: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__SolveRequest) {
    self.init()
    self.ref = .init(cValue: c.ref)
    self.definition = .init(cValue: c.definition)
    self.exporterDeprecated = .init(cValue: c.exporter_deprecated)
    self.exporterAttrsDeprecated = .init(
      count: c.n_exporter_attrs_deprecated,
      cEntries: c.exporter_attrs_deprecated
    )
    self.session = .init(cValue: c.session)
    self.frontend = .init(cValue: c.frontend)
    self.frontendAttrs = .init(count: c.n_frontend_attrs, cEntries: c.frontend_attrs)
    self.cache = .init(cValue: c.cache)
    self.entitlements = .init(count: c.n_entitlements, cValues: c.entitlements)
    self.frontendInputs = .init(count: c.n_frontend_inputs, cEntries: c.frontend_inputs)
    self.internal = .init(cValue: c.internal)
    self.exporters = .init(count: c.n_exporters, cValues: c.exporters)
  }

  func fill(_ c: inout Moby__Buildkit__V1__SolveRequest, in arena: CArena) {
    c.ref = arena.value(self.ref)
    c.definition = arena.value(self.definition)
    c.exporter_deprecated = arena.value(self.exporterDeprecated)
    (c.n_exporter_attrs_deprecated, c.exporter_attrs_deprecated) = arena.map(
      self.exporterAttrsDeprecated
    )
    c.session = arena.value(self.session)
    c.frontend = arena.value(self.frontend)
    (c.n_frontend_attrs, c.frontend_attrs) = arena.map(self.frontendAttrs)
    c.cache = arena.value(self.cache)
    (c.n_entitlements, c.entitlements) = arena.list(self.entitlements)
    (c.n_frontend_inputs, c.frontend_inputs) = arena.map(self.frontendInputs)
    c.internal = arena.value(self.internal)
    (c.n_exporters, c.exporters) = arena.list(self.exporters)
  }
}

extension Control.CacheOptions: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__CacheOptions) {
    self.init()
    self.exportRefDeprecated = .init(cValue: c.export_ref_deprecated)
    self.importRefsDeprecated = .init(
      count: c.n_import_refs_deprecated,
      cValues: c.import_refs_deprecated
    )
    self.exportAttrsDeprecated = .init(
      count: c.n_export_attrs_deprecated,
      cEntries: c.export_attrs_deprecated
    )
    self.exports = .init(count: c.n_exports, cValues: c.exports)
    self.imports = .init(count: c.n_imports, cValues: c.imports)
  }

  func fill(_ c: inout Moby__Buildkit__V1__CacheOptions, in arena: CArena) {
    c.export_ref_deprecated = arena.value(self.exportRefDeprecated)
    (c.n_import_refs_deprecated, c.import_refs_deprecated) = arena.list(self.importRefsDeprecated)
    (c.n_export_attrs_deprecated, c.export_attrs_deprecated) = arena.map(
      self.exportAttrsDeprecated
    )
    (c.n_exports, c.exports) = arena.list(self.exports)
    (c.n_imports, c.imports) = arena.list(self.imports)
  }
}

extension Control.CacheOptionsEntry: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__CacheOptionsEntry) {
    self.init(type: .init(cValue: c.type), attrs: .init(count: c.n_attrs, cEntries: c.attrs))
  }

  func fill(_ c: inout Moby__Buildkit__V1__CacheOptionsEntry, in arena: CArena) {
    c.type = arena.value(self.type)
    (c.n_attrs, c.attrs) = arena.map(self.attrs)
  }
}

extension Control.Exporter: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__Exporter) {
    self.init(type: .init(cValue: c.type), attrs: .init(count: c.n_attrs, cEntries: c.attrs))
  }

  func fill(_ c: inout Moby__Buildkit__V1__Exporter, in arena: CArena) {
    c.type = arena.value(self.type)
    (c.n_attrs, c.attrs) = arena.map(self.attrs)
  }
}

extension Control.SolveResponse: CBackedMessage {
  init(cStruct c: Moby__Buildkit__V1__SolveResponse) {
    self.init(exporterResponse: .init(count: c.n_exporter_response, cEntries: c.exporter_response))
  }

  func fill(_ c: inout Moby__Buildkit__V1__SolveResponse, in arena: CArena) {
    (c.n_exporter_response, c.exporter_response) = arena.map(self.exporterResponse)
  }
}
