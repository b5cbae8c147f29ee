// LLB process execution (`pb.ExecOp`): the command, its environment and its mounts.
//
// An exec op needs non-empty `meta.args` and a mount with dest `/` (see LLB+Mount.swift).

import CBuildKitProtos

extension LLB {
  /// Runs a process (`pb.ExecOp`).
  public struct ExecOp: WireMessage, Hashable {
    /// The command and its environment.
    public var meta: Meta?
    /// The file systems the process sees.
    public var mounts: [Mount]
    /// The network the process gets.
    public var network: NetMode
    /// Whether the process runs privileged.
    public var security: SecurityMode
    /// Secrets exposed as environment variables.
    public var secretenv: [SecretEnv]

    /// Creates an exec op; each parameter sets the property of the same name.
    public init(
      meta: Meta? = nil,
      mounts: [Mount] = [],
      network: NetMode = .unset,
      security: SecurityMode = .sandbox,
      secretenv: [SecretEnv] = []
    ) {
      self.meta = meta
      self.mounts = mounts
      self.network = network
      self.security = security
      self.secretenv = secretenv
    }
  }

  /// The command of an exec op and how it runs (`pb.Meta`).
  public struct Meta: WireMessage, Hashable {
    /// The command line; the first element is the program.
    public var args: [String]
    /// Environment variables as `NAME=value`.
    public var env: [String]
    /// The working directory.
    public var cwd: String
    /// The user, as `name`, `uid` or `uid:gid`.
    public var user: String
    /// Proxy settings passed to the process.
    public var proxyEnv: ProxyEnv?
    /// Extra `/etc/hosts` entries.
    public var extraHosts: [HostIP]
    /// The host name.
    public var hostname: String
    /// Resource limits.
    public var ulimit: [Ulimit]
    /// The cgroup parent.
    public var cgroupParent: String
    /// Whether to remove mount stubs recursively after the run.
    public var removeMountStubsRecursive: Bool
    /// Exit codes that count as success; empty means only 0. Newer daemons only.
    public var validExitCodes: [Int32]

    /// Creates a meta; each parameter sets the property of the same name.
    public init(
      args: [String] = [],
      env: [String] = [],
      cwd: String = "",
      user: String = "",
      proxyEnv: ProxyEnv? = nil,
      extraHosts: [HostIP] = [],
      hostname: String = "",
      ulimit: [Ulimit] = [],
      cgroupParent: String = "",
      removeMountStubsRecursive: Bool = false,
      validExitCodes: [Int32] = []
    ) {
      self.args = args
      self.env = env
      self.cwd = cwd
      self.user = user
      self.proxyEnv = proxyEnv
      self.extraHosts = extraHosts
      self.hostname = hostname
      self.ulimit = ulimit
      self.cgroupParent = cgroupParent
      self.removeMountStubsRecursive = removeMountStubsRecursive
      self.validExitCodes = validExitCodes
    }
  }

  /// An extra `/etc/hosts` entry (`pb.HostIP`).
  public struct HostIP: WireMessage, Hashable {
    /// The host name.
    public var host: String
    /// Its address.
    public var ip: String

    /// Creates an entry; each parameter sets the property of the same name.
    public init(host: String = "", ip: String = "") {
      self.host = host
      self.ip = ip
    }
  }

  /// A resource limit (`pb.Ulimit`).
  public struct Ulimit: WireMessage, Hashable {
    /// The resource, e.g. `nofile`.
    public var name: String
    /// The soft limit.
    public var soft: Int64
    /// The hard limit.
    public var hard: Int64

    /// Creates a limit; each parameter sets the property of the same name.
    public init(name: String = "", soft: Int64 = 0, hard: Int64 = 0) {
      self.name = name
      self.soft = soft
      self.hard = hard
    }
  }

  /// Proxy variables passed to a process (`pb.ProxyEnv`).
  public struct ProxyEnv: WireMessage, Hashable {
    /// `HTTP_PROXY`.
    public var httpProxy: String
    /// `HTTPS_PROXY`.
    public var httpsProxy: String
    /// `FTP_PROXY`.
    public var ftpProxy: String
    /// `NO_PROXY`.
    public var noProxy: String
    /// `ALL_PROXY`.
    public var allProxy: String

    /// Creates proxy settings; each parameter sets the property of the same name.
    public init(
      httpProxy: String = "",
      httpsProxy: String = "",
      ftpProxy: String = "",
      noProxy: String = "",
      allProxy: String = ""
    ) {
      self.httpProxy = httpProxy
      self.httpsProxy = httpsProxy
      self.ftpProxy = ftpProxy
      self.noProxy = noProxy
      self.allProxy = allProxy
    }
  }

  /// The network of a process (`pb.NetMode`).
  public struct NetMode: Hashable, Sendable {
    /// The enum's number on the wire.
    public var rawValue: Int32

    /// Wraps a number from the wire; unknown numbers are kept as they are.
    public init(rawValue: Int32) {
      self.rawValue = rawValue
    }

    /// The default: a sandboxed network.
    public static let unset = NetMode(rawValue: 0)
    /// The host's network; needs the `network.host` entitlement.
    public static let host = NetMode(rawValue: 1)
    /// No network.
    public static let none = NetMode(rawValue: 2)
  }

  /// The privileges of a process (`pb.SecurityMode`).
  public struct SecurityMode: Hashable, Sendable {
    /// The enum's number on the wire.
    public var rawValue: Int32

    /// Wraps a number from the wire; unknown numbers are kept as they are.
    public init(rawValue: Int32) {
      self.rawValue = rawValue
    }

    /// The default sandbox.
    public static let sandbox = SecurityMode(rawValue: 0)
    /// Privileged; needs the `security.insecure` entitlement.
    public static let insecure = SecurityMode(rawValue: 1)
  }

  /// A secret exposed as an environment variable (`pb.SecretEnv`).
  public struct SecretEnv: WireMessage, Hashable {
    /// The secret's id.
    public var id: String
    /// The variable's name.
    public var name: String
    /// Whether a missing secret is fine.
    public var optional: Bool

    /// Creates a secret variable; each parameter sets the property of the same name.
    public init(id: String = "", name: String = "", optional: Bool = false) {
      self.id = id
      self.name = name
      self.optional = optional
    }
  }

}

extension LLB.NetMode: WireEnum {
  typealias CValue = Pb__NetMode
}

extension LLB.SecurityMode: WireEnum {
  typealias CValue = Pb__SecurityMode
}

extension LLB.ExecOp: CBackedMessage {
  init(cStruct c: Pb__ExecOp) {
    self.init()
    self.meta = .init(cValue: c.meta)
    self.mounts = .init(count: c.n_mounts, cValues: c.mounts)
    self.network = .init(cValue: c.network)
    self.security = .init(cValue: c.security)
    self.secretenv = .init(count: c.n_secretenv, cValues: c.secretenv)
  }

  func fill(_ c: inout Pb__ExecOp, in arena: CArena) {
    c.meta = arena.value(self.meta)
    (c.n_mounts, c.mounts) = arena.list(self.mounts)
    c.network = arena.value(self.network)
    c.security = arena.value(self.security)
    (c.n_secretenv, c.secretenv) = arena.list(self.secretenv)
  }
}

extension LLB.Meta: CBackedMessage {
  init(cStruct c: Pb__Meta) {
    self.init()
    self.args = .init(count: c.n_args, cValues: c.args)
    self.env = .init(count: c.n_env, cValues: c.env)
    self.cwd = .init(cValue: c.cwd)
    self.user = .init(cValue: c.user)
    self.proxyEnv = .init(cValue: c.proxy_env)
    self.extraHosts = .init(count: c.n_extra_hosts, cValues: c.extra_hosts)
    self.hostname = .init(cValue: c.hostname)
    self.ulimit = .init(count: c.n_ulimit, cValues: c.ulimit)
    self.cgroupParent = .init(cValue: c.cgroup_parent)
    self.removeMountStubsRecursive = .init(cValue: c.remove_mount_stubs_recursive)
    self.validExitCodes = .init(count: c.n_valid_exit_codes, cValues: c.valid_exit_codes)
  }

  func fill(_ c: inout Pb__Meta, in arena: CArena) {
    (c.n_args, c.args) = arena.list(self.args)
    (c.n_env, c.env) = arena.list(self.env)
    c.cwd = arena.value(self.cwd)
    c.user = arena.value(self.user)
    c.proxy_env = arena.value(self.proxyEnv)
    (c.n_extra_hosts, c.extra_hosts) = arena.list(self.extraHosts)
    c.hostname = arena.value(self.hostname)
    (c.n_ulimit, c.ulimit) = arena.list(self.ulimit)
    c.cgroup_parent = arena.value(self.cgroupParent)
    c.remove_mount_stubs_recursive = arena.value(self.removeMountStubsRecursive)
    (c.n_valid_exit_codes, c.valid_exit_codes) = arena.list(self.validExitCodes)
  }
}

extension LLB.HostIP: CBackedMessage {
  init(cStruct c: Pb__HostIP) {
    self.init(host: .init(cValue: c.host), ip: .init(cValue: c.ip))
  }

  func fill(_ c: inout Pb__HostIP, in arena: CArena) {
    c.host = arena.value(self.host)
    c.ip = arena.value(self.ip)
  }
}

extension LLB.Ulimit: CBackedMessage {
  init(cStruct c: Pb__Ulimit) {
    self.init(name: .init(cValue: c.name), soft: c.soft, hard: c.hard)
  }

  func fill(_ c: inout Pb__Ulimit, in arena: CArena) {
    c.name = arena.value(self.name)
    c.soft = self.soft
    c.hard = self.hard
  }
}

extension LLB.ProxyEnv: CBackedMessage {
  init(cStruct c: Pb__ProxyEnv) {
    self.init()
    self.httpProxy = .init(cValue: c.http_proxy)
    self.httpsProxy = .init(cValue: c.https_proxy)
    self.ftpProxy = .init(cValue: c.ftp_proxy)
    self.noProxy = .init(cValue: c.no_proxy)
    self.allProxy = .init(cValue: c.all_proxy)
  }

  func fill(_ c: inout Pb__ProxyEnv, in arena: CArena) {
    c.http_proxy = arena.value(self.httpProxy)
    c.https_proxy = arena.value(self.httpsProxy)
    c.ftp_proxy = arena.value(self.ftpProxy)
    c.no_proxy = arena.value(self.noProxy)
    c.all_proxy = arena.value(self.allProxy)
  }
}

extension LLB.SecretEnv: CBackedMessage {
  init(cStruct c: Pb__SecretEnv) {
    self.init(
      id: .init(cValue: c.id),
      name: .init(cValue: c.name),
      optional: .init(cValue: c.optional)
    )
  }

  func fill(_ c: inout Pb__SecretEnv, in arena: CArena) {
    c.id = arena.value(self.id)
    c.name = arena.value(self.name)
    c.optional = arena.value(self.optional)
  }
}
