/// One step of the walk: look at the next child, decide whether it is kept and whether to
/// descend, and queue what becomes visible.
///
/// The decision mirrors fsutil's filter for each entry, in this order:
///
/// 1. Include patterns (when present): a path that is not matched is not kept. A directory that is
///    not matched is still descended if some include pattern could match below it; otherwise it
///    is skipped unopened.
/// 2. Exclude patterns: a matched path is not kept. A matched directory is descended only if a `!`
///    exception could re-include something below it.
/// 3. A kept entry is queued after every ancestor that was descended without being kept and has
///    not been emitted yet, so parents always precede children.
///
/// Both matchers are evaluated with the parent directory's per-pattern results, which keeps the
/// cost per entry independent of its depth.
import Glibc

/// A file's identity for hardlink detection.
struct FileIdentity: Hashable {
  var device: UInt64
  var inode: UInt64
}

/// One directory on the current path of the walk.
struct Frame {
  var descriptor: Int32
  var children: [DirectoryChild]
  var nextChild = 0
  /// Relative path bytes; empty for the root.
  var path: [UInt8]
  var includeResults = PatternMatcher.ParentResults()
  var excludeResults = PatternMatcher.ParentResults()
  /// The directory's own entry while it has not been emitted (walked only for its contents).
  var pendingEntry: ContextEntry?
}

extension ContextWalker {
  /// Examines the next child of the innermost directory, or leaves a finished directory.
  func advance() throws {
    let top = self.stack.count - 1
    guard self.stack[top].nextChild < self.stack[top].children.count else {
      Glibc.close(self.stack[top].descriptor)
      self.stack.removeLast()
      return
    }
    let child = self.stack[top].children[self.stack[top].nextChild]
    self.stack[top].nextChild += 1

    let parent = self.stack[top]
    let path = parent.path.isEmpty ? child.name : parent.path + [UInt8(ascii: "/")] + child.name
    var status: FileStatus?
    let isDirectory: Bool
    switch Int32(child.type) {
    case Int32(DT_DIR): isDirectory = true
    case Int32(DT_UNKNOWN):
      guard let found = try self.status(of: child.name, in: parent.descriptor, path: path) else {
        return
      }
      status = found
      isDirectory = found.isDirectory
    default: isDirectory = false
    }

    // Filters.
    let text = PathText(path)
    var kept = true
    var includeResults = PatternMatcher.ParentResults()
    var excludeResults = PatternMatcher.ParentResults()
    if let include = self.include {
      let (matched, results) = include.evaluate(text, parentResults: parent.includeResults)
      includeResults = results
      if !matched {
        if !isDirectory || !include.mayMatchInside(directory: path, exceptions: false) { return }
        kept = false
      }
    }
    if let exclude = self.exclude {
      let (matched, results) = exclude.evaluate(text, parentResults: parent.excludeResults)
      excludeResults = results
      if matched {
        if !isDirectory || !exclude.mayMatchInside(directory: path, exceptions: true) { return }
        kept = false
      }
    }

    if kept {
      if status == nil {
        status = try self.status(of: child.name, in: parent.descriptor, path: path)
      }
      guard let status, status.fileType != UInt32(S_IFSOCK) else { return }
      let entry = try self.makeEntry(path: path, status: status, name: child.name, in: parent)
      self.queueWithPendingAncestors(entry)
    }
    if isDirectory {
      try self.descend(
        into: child.name,
        path: path,
        kept: kept,
        results: (includeResults, excludeResults)
      )
    }
  }

  /// Opens a directory and pushes its frame; a directory that vanished or, when not kept, cannot
  /// be read is skipped, as fsutil does.
  private func descend(
    into name: [UInt8],
    path: [UInt8],
    kept: Bool,
    results: (PatternMatcher.ParentResults, PatternMatcher.ParentResults)
  ) throws {
    let parent = self.stack[self.stack.count - 1]
    let descriptor: Int32
    switch System.openDirectory(name, in: parent.descriptor) {
    case .success(let value): descriptor = value
    case .failure(let error) where Self.isGone(error) || (!kept && error.errno == EACCES):
      return
    case .failure(let error):
      throw Self.failure(path, error, root: self.root)
    }
    self.directoryOpenObserver?(String(decoding: path, as: UTF8.self))

    var frame = Frame(descriptor: descriptor, children: [], path: path)
    frame.includeResults = results.0
    frame.excludeResults = results.1
    do {
      frame.children = try Self.sortedChildren(of: descriptor)
      if !kept {
        let status = try System.status(ofDescriptor: descriptor).get()
        frame.pendingEntry = try self.makeEntry(path: path, status: status, name: name, in: parent)
      }
    } catch {
      Glibc.close(descriptor)
      if !kept, let failure = error as? SystemCallError, failure.errno == EACCES { return }
      throw (error as? ContextError) ?? Self.failure(path, error, root: self.root)
    }
    self.stack.append(frame)
  }

  private func queueWithPendingAncestors(_ entry: ContextEntry) {
    for index in self.stack.indices {
      if let pending = self.stack[index].pendingEntry {
        self.outbox.append(pending)
        self.stack[index].pendingEntry = nil
      }
    }
    self.outbox.append(entry)
  }

  /// `fstatat` on a child; nil when it vanished since the directory was listed.
  private func status(of name: [UInt8], in directory: Int32, path: [UInt8]) throws -> FileStatus? {
    switch System.status(of: name, in: directory) {
    case .success(let status): return status
    case .failure(let error) where Self.isGone(error): return nil
    case .failure(let error): throw Self.failure(path, error, root: self.root)
    }
  }

  private func makeEntry(
    path: [UInt8],
    status: FileStatus,
    name: [UInt8],
    in parent: Frame
  ) throws -> ContextEntry {
    let pathText = String(decoding: path, as: UTF8.self)
    var entry = ContextEntry(
      path: pathText,
      mode: FileMode.fromPOSIX(status.mode),
      size: status.isDirectory ? 0 : status.size,
      modificationTime: status.modificationTime
    )
    if status.isSymlink {
      switch System.readLink(name, in: parent.descriptor) {
      case .success(let target): entry.linkName = String(decoding: target, as: UTF8.self)
      case .failure(let error): throw Self.failure(path, error, root: self.root)
      }
    }
    let type = status.fileType
    if type == UInt32(S_IFBLK) || type == UInt32(S_IFCHR) {
      // Go's split of a Linux dev_t, kept identical so both sides agree.
      entry.deviceMajor = Int64((status.rawDevice >> 8) & 0xFFF)
      entry.deviceMinor = Int64((status.rawDevice & 0xFF) | ((status.rawDevice >> 12) & 0xFFF00))
    }
    if status.isRegular, status.linkCount > 1 {
      let identity = FileIdentity(device: status.device, inode: status.inode)
      if let first = self.firstNames[identity] {
        entry.linkName = first
        entry.size = 0
      } else {
        self.firstNames[identity] = pathText
      }
    }
    return entry
  }
}
