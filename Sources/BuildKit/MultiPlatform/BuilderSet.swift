public import GRPC
public import OCI

/// The daemons of a multi-platform build: one client per distinct address, and which platform
/// builds where.
///
/// Platforms without an address of their own build on the default daemon. Two platforms that
/// name the same address share one client (and one connection).
public final class BuilderSet: Sendable {
  /// The address of the default daemon.
  public let defaultAddress: String
  private let addresses: [Platform: String]
  private let clients: [String: BuildKitClient]

  /// Creates the clients; nothing connects until ``connect(timeout:wait:)`` or the first build.
  /// - Parameters:
  ///   - defaultAddress: The daemon for platforms without an address of their own, written
  ///     `unix://PATH` or `tcp://HOST:PORT`.
  ///   - platformAddresses: Daemons for particular platforms; keys are compared normalised,
  ///     so `linux/arm64/v8` and `linux/arm64` are the same platform.
  ///   - tls: TLS settings for the daemons that have none in `platformTLS`, or nil for
  ///     plaintext.
  ///   - platformTLS: TLS settings for particular platforms' daemons, which then use these
  ///     instead of `tls`.
  ///   - logger: Where the clients log; nil keeps them silent.
  /// - Throws: ``BuildKitError`` with code ``BuildKitError/Code/invalidArgument`` naming an
  ///   address that does not parse, or one address given two different TLS settings.
  public init(
    defaultAddress: String,
    platformAddresses: [Platform: String] = [:],
    tls: TLSConfiguration? = nil,
    platformTLS: [Platform: TLSConfiguration] = [:],
    logger: Logger? = nil
  ) throws(BuildKitError) {
    var addresses: [Platform: String] = [:]
    for (platform, address) in platformAddresses {
      addresses[platform.normalized()] = address
    }
    // Which TLS settings each address uses, and the platform that chose them.
    var settings: [String: (tls: TLSConfiguration?, chosenBy: Platform?)] = [:]
    for address in Set(addresses.values).union([defaultAddress]) {
      settings[address] = (tls, nil)
    }
    for (platform, own) in platformTLS.sorted(by: { $0.key.description < $1.key.description }) {
      let platform = platform.normalized()
      let address = addresses[platform] ?? defaultAddress
      if let previous = settings[address]?.chosenBy, settings[address]?.tls != own {
        throw BuildKitError(
          code: .invalidArgument,
          message: "builder \(address) is given different TLS settings for \(previous) and "
            + "\(platform); give one address one set of TLS settings")
      }
      settings[address] = (own, platform)
    }
    var clients: [String: BuildKitClient] = [:]
    do {
      for address in settings.keys.sorted() {
        clients[address] = try BuildKitClient(
          address: address, tls: settings[address]?.tls, logger: logger)
      }
    } catch {
      for client in clients.values { client.close() }
      throw error
    }
    self.defaultAddress = defaultAddress
    self.addresses = addresses
    self.clients = clients
  }

  /// The address of the daemon that builds a platform.
  /// - Parameter platform: The platform.
  /// - Returns: The platform's own address, or the default one.
  public func address(for platform: Platform) -> String {
    self.addresses[platform.normalized()] ?? self.defaultAddress
  }

  /// The client for the daemon that builds a platform.
  /// - Parameter platform: The platform.
  /// - Returns: The shared client for that platform's address.
  public func client(for platform: Platform) -> BuildKitClient {
    // Every address in `addresses` and the default one got a client in `init`.
    self.clients[self.address(for: platform)]!
  }

  /// Connects to the daemons of some platforms at once, so an unreachable daemon is reported
  /// before any build starts.
  /// - Parameters:
  ///   - platforms: The platforms whose daemons are needed.
  ///   - timeout: How long to try each daemon.
  ///   - wait: Whether to keep retrying until the timeout instead of failing at once.
  /// - Throws: ``BuildKitError`` with the daemon's error code, naming the platforms that build
  ///   there and the address; its cause is a ``PlatformBuildFailure`` for the first of them.
  public func connect(
    for platforms: [Platform], timeout: Duration = .seconds(5), wait: Bool = false
  )
    async throws(BuildKitError)
  {
    var users: [String: [Platform]] = [:]
    for platform in platforms {
      users[self.address(for: platform), default: []].append(platform)
    }
    let needed = users
    do {
      try await withThrowingTaskGroup(of: Void.self) { group in
        for (address, platforms) in needed.sorted(by: { $0.key < $1.key }) {
          let client = self.clients[address]!
          group.addTask {
            do throws(BuildKitError) {
              try await client.connect(timeout: timeout, wait: wait)
            } catch {
              let names = platforms.map(\.description).joined(separator: ", ")
              throw BuildKitError(
                code: error.code, message: "\(names) (builder \(address)): \(error.message)",
                cause: PlatformBuildFailure(platform: platforms[0], builder: address, error: error))
            }
          }
        }
        try await group.waitForAll()
      }
    } catch let error as BuildKitError {
      throw error
    } catch {
      throw BuildKitError(code: .cancelled, message: "connecting to the builders was cancelled")
    }
  }

  /// Closes every client. Call it once no build is running.
  public func close() {
    for client in self.clients.values {
      client.close()
    }
  }
}
