/// Creating each kind of entry, and resolving paths without leaving the destination.
///
/// Path resolution works on components relative to the destination's descriptor, one component at
/// a time, as the kernel would but without ever trusting it to follow a link. Directories are
/// entered with `openat(O_DIRECTORY | O_NOFOLLOW)` and their depth below the destination counted;
/// a symlink met on the way is read and its target's components are resolved next, from the
/// directory that holds the link; `..` goes back one real directory. A target that is absolute,
/// or a `..` at depth 0, ends the extraction with an unsafe-path error; forty symlinks in one
/// resolution count as a loop.
import Glibc

extension TarExtractor {
  func begin(_ header: TarHeader) throws {
    let components = try Self.components(of: header.path, entry: header.path)
    guard let name = components.last else {
      // The archive's own root (`./`): nothing to create.
      guard header.kind == .directory else {
        throw Self.unsafe(header.path, "it names the destination itself")
      }
      return
    }

    let parent = try self.openParent(Array(components.dropLast()), entry: header.path, create: true)
    defer { Glibc.close(parent) }

    switch header.kind {
    case .directory:
      try self.makeDirectory(name, in: parent, header: header)
      self.directoryAttributes.append((components, header))
    case .regularFile:
      try self.removeExisting(name, in: parent, entry: header.path)
      let descriptor = System.withCString(name) { cName in
        System.retrying {
          openat(parent, cName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        }
      }
      guard descriptor >= 0 else { throw Self.failure(header.path, "openat", errno) }
      self.openFile = (descriptor, header)
    case .symlink:
      try self.removeExisting(name, in: parent, entry: header.path)
      let result = System.withCString(Array(header.linkName.utf8)) { target in
        System.withCString(name) { symlinkat(target, parent, $0) }
      }
      guard result == 0 else { throw Self.failure(header.path, "symlinkat", errno) }
      try self.setTimes(name, in: parent, header: header)
    case .hardlink:
      try self.makeHardlink(name, in: parent, header: header)
    case .fifo, .characterDevice, .blockDevice:
      try self.makeNode(name, in: parent, header: header)
    case .other:
      // Unknown entry types (volume labels and the like) are skipped; their content is ignored.
      return
    }
  }

  /// The cleaned components of an archive path; refuses absolute paths and `..`.
  static func components(of path: String, entry: String) throws -> [[UInt8]] {
    guard !path.hasPrefix("/") else {
      throw self.unsafe(entry, "it is an absolute path")
    }
    var components: [[UInt8]] = []
    for component in Array(path.utf8).split(separator: UInt8(ascii: "/")) {
      if component.elementsEqual([UInt8(ascii: ".")]) { continue }
      if component.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
        throw self.unsafe(entry, "it contains a \"..\" component")
      }
      components.append(Array(component))
    }
    return components
  }

  /// Opens the directory `components` below the destination without leaving it.
  func openParent(_ components: [[UInt8]], entry: String, create: Bool) throws -> Int32 {
    let dot: [UInt8] = [UInt8(ascii: ".")]
    let dotDot: [UInt8] = [UInt8(ascii: "."), UInt8(ascii: ".")]
    var pending = components[...]
    // Depth of `current` below the destination; symlink targets may climb back up to 0.
    var depth = 0
    var hops = 0
    var current = dup(self.rootDescriptor)
    guard current >= 0 else { throw Self.failure(entry, "dup", errno) }

    while let name = pending.popFirst() {
      if name == dot { continue }
      if name == dotDot {
        guard depth > 0 else {
          Glibc.close(current)
          throw Self.unsafe(entry, "it goes through a symlink that leaves the destination")
        }
        current = try self.replace(
          current,
          with: System.openDirectory(dotDot, in: current),
          entry: entry
        )
        depth -= 1
        continue
      }

      let status: FileStatus
      switch System.status(of: name, in: current) {
      case .success(let value): status = value
      case .failure(let error) where error.errno == ENOENT && create:
        let made = System.withCString(name) { mkdirat(current, $0, 0o755) }
        guard made == 0 || errno == EEXIST else {
          Glibc.close(current)
          throw Self.failure(entry, "mkdirat", errno)
        }
        pending.insert(name, at: pending.startIndex)
        continue
      case .failure(let error):
        Glibc.close(current)
        throw Self.failure(entry, error.function, error.errno)
      }

      if status.isSymlink {
        // Continue with the link's target, relative to the directory that holds the link.
        hops += 1
        guard hops <= 40, case .success(let target) = System.readLink(name, in: current) else {
          Glibc.close(current)
          throw Self.unsafe(entry, "it goes through a symlink loop or an unreadable symlink")
        }
        guard target.first != UInt8(ascii: "/") else {
          Glibc.close(current)
          throw Self.unsafe(
            entry,
            "it goes through a symlink to an absolute path outside the destination"
          )
        }
        let parts = target.split(separator: UInt8(ascii: "/")).map(Array.init)
        pending = (parts + pending)[...]
        continue
      }
      guard status.isDirectory else {
        Glibc.close(current)
        throw ContextError(
          code: .invalidPath,
          message: "cannot extract \"\(entry)\": a parent is not a directory; "
            + "remove it from the destination"
        )
      }
      current = try self.replace(
        current,
        with: System.openDirectory(name, in: current),
        entry: entry
      )
      depth += 1
    }
    return current
  }

  /// Closes `descriptor` and returns the newly opened one, or throws its failure.
  private func replace(
    _ descriptor: Int32,
    with opened: Result<Int32, SystemCallError>,
    entry: String
  ) throws -> Int32 {
    Glibc.close(descriptor)
    switch opened {
    case .success(let next): return next
    case .failure(let error): throw Self.failure(entry, error.function, error.errno)
    }
  }

  private func makeDirectory(_ name: [UInt8], in parent: Int32, header: TarHeader) throws {
    if case .success(let status) = System.status(of: name, in: parent) {
      if status.isDirectory { return }
      try self.removeExisting(name, in: parent, entry: header.path)
    }
    // Owner rwx until finish(), so that read-only directories can still be filled.
    let mode = mode_t((header.mode & 0o777) | 0o700)
    guard System.withCString(name, { mkdirat(parent, $0, mode) }) == 0 else {
      throw Self.failure(header.path, "mkdirat", errno)
    }
  }

  private func makeHardlink(_ name: [UInt8], in parent: Int32, header: TarHeader) throws {
    let target = try Self.components(of: header.linkName, entry: header.path)
    guard let targetName = target.last else {
      throw Self.unsafe(header.path, "its link target is the destination itself")
    }
    let targetParent = try self.openParent(
      Array(target.dropLast()),
      entry: header.path,
      create: false
    )
    defer { Glibc.close(targetParent) }
    guard case .success(let status) = System.status(of: targetName, in: targetParent),
      !status.isDirectory
    else {
      throw ContextError(
        code: .malformedArchive,
        message: "hardlink \"\(header.path)\" points to \"\(header.linkName)\", "
          + "which is not an earlier file"
      )
    }
    try self.removeExisting(name, in: parent, entry: header.path)
    let result = System.withCString(targetName) { from in
      System.withCString(name) { linkat(targetParent, from, parent, $0, 0) }
    }
    guard result == 0 else { throw Self.failure(header.path, "linkat", errno) }
  }

  private func makeNode(_ name: [UInt8], in parent: Int32, header: TarHeader) throws {
    try self.removeExisting(name, in: parent, entry: header.path)
    var type: mode_t = S_IFIFO
    if header.kind == .characterDevice { type = S_IFCHR }
    if header.kind == .blockDevice { type = S_IFBLK }
    // glibc's makedev, which Swift cannot import because it is a macro.
    let major = UInt64(truncatingIfNeeded: header.deviceMajor)
    let minor = UInt64(truncatingIfNeeded: header.deviceMinor)
    let device = dev_t(
      ((major & 0xFFFF_F000) << 32) | ((major & 0xFFF) << 8) | ((minor & 0xFFFF_FF00) << 12)
        | (minor & 0xFF)
    )
    let result = System.withCString(name) {
      mknodat(parent, $0, type | mode_t(header.mode & 0o777), device)
    }
    if result != 0 {
      // Unprivileged processes cannot create devices; skip them as tar does with a warning.
      if errno == EPERM, header.kind != .fifo { return }
      throw Self.failure(header.path, "mknodat", errno)
    }
    try self.setTimes(name, in: parent, header: header)
  }

  /// Removes a non-directory (or an empty directory) so a new entry can take its name.
  private func removeExisting(_ name: [UInt8], in parent: Int32, entry: String) throws {
    guard case .success(let status) = System.status(of: name, in: parent) else { return }
    let flags = status.isDirectory ? AT_REMOVEDIR : 0
    guard System.withCString(name, { unlinkat(parent, $0, flags) }) == 0 else {
      throw Self.failure(entry, "unlinkat", errno)
    }
  }

  private func setTimes(_ name: [UInt8], in parent: Int32, header: TarHeader) throws {
    var times = Self.times(header.modificationTime)
    let result = System.withCString(name) { utimensat(parent, $0, &times, AT_SYMLINK_NOFOLLOW) }
    guard result == 0 else { throw Self.failure(header.path, "utimensat", errno) }
  }

  func applyDirectoryAttributes(components: [[UInt8]], header: TarHeader) throws {
    let directory = try self.openParent(components, entry: header.path, create: false)
    defer { Glibc.close(directory) }
    guard fchmod(directory, mode_t(header.mode & 0o7777)) == 0 else {
      throw Self.failure(header.path, "fchmod", errno)
    }
    var times = Self.times(header.modificationTime)
    guard futimens(directory, &times) == 0 else {
      throw Self.failure(header.path, "futimens", errno)
    }
  }

  /// Access and modification time set to `nanoseconds`.
  static func times(_ nanoseconds: Int64) -> [timespec] {
    var seconds = nanoseconds / 1_000_000_000
    var fraction = nanoseconds % 1_000_000_000
    if fraction < 0 {
      seconds -= 1
      fraction += 1_000_000_000
    }
    let time = timespec(tv_sec: Int(seconds), tv_nsec: Int(fraction))
    return [time, time]
  }

  static func unsafe(_ entry: String, _ reason: String) -> ContextError {
    ContextError(
      code: .unsafePath,
      message: "refusing to extract \"\(entry)\": \(reason); the archive may be hostile"
    )
  }

  static func failure(_ entry: String, _ function: String, _ code: Int32) -> ContextError {
    ContextError(
      code: .io,
      message: "cannot extract \"\(entry)\"; check the destination's permissions and free space",
      cause: SystemCallError(function: function, errno: code)
    )
  }
}
