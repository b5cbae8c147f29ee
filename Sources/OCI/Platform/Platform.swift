// Platforms as OCI descriptors and image configs write them, and as users type them.
//
// The string form is `os[/architecture[/variant]]`, for example `linux/arm64/v8`. Parsing
// normalises the spellings that containerd normalises: the operating system is lowercased,
// `x86_64`/`x86-64` become `amd64`, `aarch64` becomes `arm64`, `i386` becomes `386`, `armhf` is
// `arm` `v7` and `armel` is `arm` `v6`, a bare `arm` gets variant `v7`, and a variant written as a
// number gets a `v` in front. The default variants `v8` of `arm64` and `v1` of `amd64` are dropped,
// so `linux/arm64/v8` and `linux/arm64` are the same platform.
//
// In JSON (descriptors and image configs) the fields are `architecture`, `os`, `variant`,
// `os.version` and `os.features`.

/// An operating system and CPU architecture that an image runs on.
public struct Platform: Hashable, Sendable, Codable, CustomStringConvertible {
  /// The operating system, such as `linux` or `windows`.
  public var os: String
  /// The CPU architecture, such as `amd64` or `arm64`.
  public var architecture: String
  /// The CPU variant, such as `v7` for `arm`, or `nil`.
  public var variant: String?
  /// The operating system version (Windows images), or `nil`.
  public var osVersion: String?
  /// Required operating system features (Windows images), or `nil`.
  public var osFeatures: [String]?

  private enum CodingKeys: String, CodingKey {
    case os
    case architecture
    case variant
    case osVersion = "os.version"
    case osFeatures = "os.features"
  }

  /// Creates a platform from its parts, exactly as given (no normalisation).
  /// - Parameters:
  ///   - os: The operating system.
  ///   - architecture: The CPU architecture.
  ///   - variant: The CPU variant, if any.
  ///   - osVersion: The operating system version, if any.
  ///   - osFeatures: Required operating system features, if any.
  public init(
    os: String, architecture: String, variant: String? = nil, osVersion: String? = nil,
    osFeatures: [String]? = nil
  ) {
    self.os = os
    self.architecture = architecture
    self.variant = variant
    self.osVersion = osVersion
    self.osFeatures = osFeatures
  }

  /// The `unknown/unknown` platform that BuildKit puts on attestation manifests.
  public static let unknown = Platform(os: "unknown", architecture: "unknown")

  /// The platform of the machine this code runs on (Linux, or the host OS, with its CPU).
  public static var current: Platform {
    #if os(Linux)
      let os = "linux"
    #elseif os(macOS)
      let os = "darwin"
    #elseif os(Windows)
      let os = "windows"
    #else
      let os = "unknown"
    #endif
    return Platform(os: os, architecture: Platform.currentArchitecture)
  }

  private static var currentArchitecture: String {
    #if arch(x86_64)
      return "amd64"
    #elseif arch(arm64)
      return "arm64"
    #elseif arch(arm)
      return "arm"
    #elseif arch(i386)
      return "386"
    #elseif arch(s390x)
      return "s390x"
    #elseif arch(powerpc64le)
      return "ppc64le"
    #else
      return "unknown"
    #endif
  }

  /// Parses and normalises a platform string.
  ///
  /// A single component is taken as an operating system if it is a known one (the architecture
  /// is then this machine's), and as a Linux architecture otherwise.
  /// - Parameter string: A string such as `linux/arm64/v8`, `linux/amd64`, `linux/arm/7` or
  ///   `arm64`.
  /// - Throws: ``OCIError/Code-swift.struct/invalidPlatform`` naming the string if it has empty or
  ///   too many components or characters outside `[A-Za-z0-9_.-]`.
  public init(parsing string: String) throws {
    let parts = string.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    guard (1...3).contains(parts.count) else {
      throw Platform.invalid(string, "has \(parts.count) components; write os/arch[/variant]")
    }
    for part in parts {
      guard !part.isEmpty,
        part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) })
      else {
        throw Platform.invalid(
          string, "has an empty or invalid component \"\(part)\"; write os/arch[/variant]")
      }
    }
    if parts.count == 1 {
      let only = parts[0].lowercased()
      if Platform.knownOperatingSystems.contains(only) {
        self = Platform(os: only, architecture: Platform.currentArchitecture).normalized()
      } else {
        self = Platform(os: "linux", architecture: only).normalized()
      }
      return
    }
    self = Platform(
      os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil
    ).normalized()
  }

  /// This platform with containerd's normalisation applied (see the file summary).
  /// - Returns: The normalised platform.
  public func normalized() -> Platform {
    var result = self
    result.os = self.os.lowercased()
    if result.os == "macos" { result.os = "darwin" }
    var architecture = self.architecture.lowercased()
    var variant = self.variant?.lowercased()
    if let value = variant, let first = value.first, first.isNumber {
      variant = "v" + value
    }
    switch architecture {
    case "i386", "386":
      architecture = "386"
      variant = nil
    case "x86_64", "x86-64", "amd64":
      architecture = "amd64"
      if variant == "v1" { variant = nil }
    case "aarch64", "arm64":
      architecture = "arm64"
      if variant == "v8" || variant == "v8.0" { variant = nil }
      if variant == "v9.0" { variant = "v9" }
    case "armhf":
      architecture = "arm"
      variant = "v7"
    case "armel":
      architecture = "arm"
      variant = "v6"
    case "arm":
      if variant == nil || variant == "v7" { variant = "v7" }
    default:
      break
    }
    result.architecture = architecture
    result.variant = (variant?.isEmpty ?? true) ? nil : variant
    return result
  }

  /// The platform as `os/architecture[/variant]`.
  public var description: String {
    guard let variant = self.variant, !variant.isEmpty else {
      return "\(self.os)/\(self.architecture)"
    }
    return "\(self.os)/\(self.architecture)/\(variant)"
  }

  private static let knownOperatingSystems: Set<String> = [
    "linux", "windows", "darwin", "freebsd", "netbsd", "openbsd", "solaris", "illumos", "aix",
    "android", "ios", "js", "wasip1", "plan9", "dragonfly",
  ]

  private static func invalid(_ string: String, _ problem: String) -> OCIError {
    OCIError(code: .invalidPlatform, message: "platform \"\(string)\" \(problem)")
  }
}
