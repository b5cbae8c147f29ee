// LLB file operations (`pb.FileOp` and its actions).
//
// A file op runs a list of actions. Each action works on a base file system (`input`) and, for
// copies, a source file system (`secondaryInput`); both are indexes into the op's inputs, -1 for
// an empty file system, or `inputs.count + j` for the result of action j of the same op. `output`
// is 0 for the action whose result is the op's output and -1 for intermediate ones. Copy modes and
// timestamps also use -1, meaning "keep": 0 would mean mode 0000 and 1970-01-01, so those fields
// default to -1 here.

import CBuildKitProtos

extension LLB {
  /// A list of file actions (`pb.FileOp`).
  public struct FileOp: WireMessage, Hashable {
    /// The actions, in order.
    public var actions: [FileAction]

    /// Creates a file op; each parameter sets the property of the same name.
    public init(actions: [FileAction] = []) {
      self.actions = actions
    }
  }

  /// One step of a file op (`pb.FileAction`).
  public struct FileAction: WireMessage, Hashable {
    /// What the step does: the protobuf oneof `action`.
    public enum Action: Hashable, Sendable {
      /// Copies from `secondaryInput` into `input`.
      case copy(FileActionCopy)
      /// Creates a file.
      case mkfile(FileActionMkFile)
      /// Creates a directory.
      case mkdir(FileActionMkDir)
      /// Removes paths.
      case rm(FileActionRm)
      /// Creates a symlink; newer daemons only.
      case symlink(FileActionSymlink)
    }

    /// The base file system: an input index, -1 for empty, or `inputs.count + j`.
    public var input: Int64
    /// The copy source, encoded like `input`; -1 when unused.
    public var secondaryInput: Int64
    /// 0 for the action producing the op's output, -1 for intermediate actions.
    public var output: Int64
    /// The action.
    public var action: Action?

    /// Creates an action; each parameter sets the property of the same name.
    public init(
      input: Int64 = 0,
      secondaryInput: Int64 = 0,
      output: Int64 = 0,
      action: Action? = nil
    ) {
      self.input = input
      self.secondaryInput = secondaryInput
      self.output = output
      self.action = action
    }
  }

  /// Copies files from one file system into another (`pb.FileActionCopy`).
  public struct FileActionCopy: WireMessage, Hashable {
    /// The absolute source path in `secondaryInput`; may hold wildcards.
    public var src: String
    /// The absolute destination in `input`; a trailing `/` copies into the directory.
    public var dest: String
    /// The new owner; nil keeps the source's.
    public var owner: ChownOpt?
    /// Permission bits to set; -1 keeps the source's.
    public var mode: Int32
    /// Whether to follow a symlink at `src`.
    public var followSymlink: Bool
    /// Whether to copy a source directory's contents rather than the directory.
    public var dirCopyContents: Bool
    /// Whether to unpack archives the way Dockerfile ADD does.
    public var attemptUnpackDockerCompatibility: Bool
    /// Whether to create missing parents of `dest`.
    public var createDestPath: Bool
    /// Whether `src` may hold wildcards.
    public var allowWildcard: Bool
    /// Whether a wildcard may match nothing.
    public var allowEmptyWildcard: Bool
    /// Modification time to set, in Unix nanoseconds; -1 keeps the source's.
    public var timestamp: Int64
    /// Only copy paths matching these patterns.
    public var includePatterns: [String]
    /// Skip paths matching these patterns.
    public var excludePatterns: [String]
    /// Whether to replace existing destination paths of another type; newer daemons only.
    public var alwaysReplaceExistingDestPaths: Bool
    /// A symbolic mode such as `u+x`; newer daemons only.
    public var modeStr: String
    /// Paths that must exist in the source; newer daemons only.
    public var requiredPaths: [String]

    /// Creates a copy action; each parameter sets the property of the same name.
    public init(
      src: String = "",
      dest: String = "",
      owner: ChownOpt? = nil,
      mode: Int32 = -1,
      followSymlink: Bool = false,
      dirCopyContents: Bool = false,
      attemptUnpackDockerCompatibility: Bool = false,
      createDestPath: Bool = false,
      allowWildcard: Bool = false,
      allowEmptyWildcard: Bool = false,
      timestamp: Int64 = -1,
      includePatterns: [String] = [],
      excludePatterns: [String] = [],
      alwaysReplaceExistingDestPaths: Bool = false,
      modeStr: String = "",
      requiredPaths: [String] = []
    ) {
      self.src = src
      self.dest = dest
      self.owner = owner
      self.mode = mode
      self.followSymlink = followSymlink
      self.dirCopyContents = dirCopyContents
      self.attemptUnpackDockerCompatibility = attemptUnpackDockerCompatibility
      self.createDestPath = createDestPath
      self.allowWildcard = allowWildcard
      self.allowEmptyWildcard = allowEmptyWildcard
      self.timestamp = timestamp
      self.includePatterns = includePatterns
      self.excludePatterns = excludePatterns
      self.alwaysReplaceExistingDestPaths = alwaysReplaceExistingDestPaths
      self.modeStr = modeStr
      self.requiredPaths = requiredPaths
    }
  }

  /// Creates a file with given contents (`pb.FileActionMkFile`).
  public struct FileActionMkFile: WireMessage, Hashable {
    /// The absolute path.
    public var path: String
    /// Permission bits, e.g. 0o644.
    public var mode: Int32
    /// The contents.
    public var data: [UInt8]
    /// The owner; nil for root.
    public var owner: ChownOpt?
    /// Modification time in Unix nanoseconds; -1 for the time of the build.
    public var timestamp: Int64

    /// Creates a mkfile action; each parameter sets the property of the same name.
    public init(
      path: String = "",
      mode: Int32 = 0,
      data: [UInt8] = [],
      owner: ChownOpt? = nil,
      timestamp: Int64 = -1
    ) {
      self.path = path
      self.mode = mode
      self.data = data
      self.owner = owner
      self.timestamp = timestamp
    }
  }

  /// Creates a directory (`pb.FileActionMkDir`).
  public struct FileActionMkDir: WireMessage, Hashable {
    /// The absolute path.
    public var path: String
    /// Permission bits, e.g. 0o755.
    public var mode: Int32
    /// Whether to create missing parents.
    public var makeParents: Bool
    /// The owner; nil for root.
    public var owner: ChownOpt?
    /// Modification time in Unix nanoseconds; -1 for the time of the build.
    public var timestamp: Int64

    /// Creates a mkdir action; each parameter sets the property of the same name.
    public init(
      path: String = "",
      mode: Int32 = 0,
      makeParents: Bool = false,
      owner: ChownOpt? = nil,
      timestamp: Int64 = -1
    ) {
      self.path = path
      self.mode = mode
      self.makeParents = makeParents
      self.owner = owner
      self.timestamp = timestamp
    }
  }

  /// Removes paths (`pb.FileActionRm`).
  public struct FileActionRm: WireMessage, Hashable {
    /// The absolute path.
    public var path: String
    /// Whether a missing path is fine.
    public var allowNotFound: Bool
    /// Whether `path` may hold wildcards.
    public var allowWildcard: Bool

    /// Creates an rm action; each parameter sets the property of the same name.
    public init(path: String = "", allowNotFound: Bool = false, allowWildcard: Bool = false) {
      self.path = path
      self.allowNotFound = allowNotFound
      self.allowWildcard = allowWildcard
    }
  }

  /// Creates a symlink; newer daemons only (`pb.FileActionSymlink`).
  public struct FileActionSymlink: WireMessage, Hashable {
    /// The link target.
    public var oldpath: String
    /// The absolute path of the link.
    public var newpath: String
    /// The owner; nil for root.
    public var owner: ChownOpt?
    /// Modification time in Unix nanoseconds; -1 for the time of the build.
    public var timestamp: Int64

    /// Creates a symlink action; each parameter sets the property of the same name.
    public init(
      oldpath: String = "",
      newpath: String = "",
      owner: ChownOpt? = nil,
      timestamp: Int64 = -1
    ) {
      self.oldpath = oldpath
      self.newpath = newpath
      self.owner = owner
      self.timestamp = timestamp
    }
  }

  /// The owner of files an action creates (`pb.ChownOpt`).
  public struct ChownOpt: WireMessage, Hashable {
    /// The user; nil for root.
    public var user: UserOpt?
    /// The group; nil for the user's group.
    public var group: UserOpt?

    /// Creates an owner; each parameter sets the property of the same name.
    public init(user: UserOpt? = nil, group: UserOpt? = nil) {
      self.user = user
      self.group = group
    }
  }

  /// A user or group, by name or by id (`pb.UserOpt`).
  public struct UserOpt: WireMessage, Hashable {
    /// How the user is given: the protobuf oneof `user`.
    public enum User: Hashable, Sendable {
      /// By name, looked up in an input's `/etc/passwd` or `/etc/group`.
      case byName(NamedUserOpt)
      /// By numeric id.
      case byID(UInt32)
    }

    /// The user; nil when unset.
    public var user: User?

    /// Creates a user; each parameter sets the property of the same name.
    public init(user: User? = nil) {
      self.user = user
    }
  }

  /// A user or group name and where to look it up (`pb.NamedUserOpt`).
  public struct NamedUserOpt: WireMessage, Hashable {
    /// The name.
    public var name: String
    /// The input whose `/etc/passwd` or `/etc/group` to consult; encoded like `FileAction.input`.
    public var input: Int64

    /// Creates a named user; each parameter sets the property of the same name.
    public init(name: String = "", input: Int64 = 0) {
      self.name = name
      self.input = input
    }
  }
}

extension LLB.FileOp: CBackedMessage {
  init(cStruct c: Pb__FileOp) {
    self.init(actions: .init(count: c.n_actions, cValues: c.actions))
  }

  func fill(_ c: inout Pb__FileOp, in arena: CArena) {
    (c.n_actions, c.actions) = arena.list(self.actions)
  }
}

extension LLB.FileAction: CBackedMessage {
  init(cStruct c: Pb__FileAction) {
    self.init(input: c.input, secondaryInput: c.secondary_input, output: c.output)
    switch c.action_case {
    case PB__FILE_ACTION__ACTION_COPY: self.action = .copy(.init(cValue: c.copy))
    case PB__FILE_ACTION__ACTION_MKFILE: self.action = .mkfile(.init(cValue: c.mkfile))
    case PB__FILE_ACTION__ACTION_MKDIR: self.action = .mkdir(.init(cValue: c.mkdir))
    case PB__FILE_ACTION__ACTION_RM: self.action = .rm(.init(cValue: c.rm))
    case PB__FILE_ACTION__ACTION_SYMLINK: self.action = .symlink(.init(cValue: c.symlink))
    default: self.action = nil
    }
  }

  func fill(_ c: inout Pb__FileAction, in arena: CArena) {
    c.input = self.input
    c.secondary_input = self.secondaryInput
    c.output = self.output
    switch self.action {
    case .copy(let copy):
      (c.action_case, c.copy) = (PB__FILE_ACTION__ACTION_COPY, arena.value(copy))
    case .mkfile(let mkfile):
      (c.action_case, c.mkfile) = (PB__FILE_ACTION__ACTION_MKFILE, arena.value(mkfile))
    case .mkdir(let mkdir):
      (c.action_case, c.mkdir) = (PB__FILE_ACTION__ACTION_MKDIR, arena.value(mkdir))
    case .rm(let rm):
      (c.action_case, c.rm) = (PB__FILE_ACTION__ACTION_RM, arena.value(rm))
    case .symlink(let symlink):
      (c.action_case, c.symlink) = (PB__FILE_ACTION__ACTION_SYMLINK, arena.value(symlink))
    case nil:
      break
    }
  }
}

extension LLB.FileActionCopy: CBackedMessage {
  init(cStruct c: Pb__FileActionCopy) {
    self.init(mode: c.mode, timestamp: c.timestamp)
    self.src = .init(cValue: c.src)
    self.dest = .init(cValue: c.dest)
    self.owner = .init(cValue: c.owner)
    self.followSymlink = .init(cValue: c.follow_symlink)
    self.dirCopyContents = .init(cValue: c.dir_copy_contents)
    self.attemptUnpackDockerCompatibility = .init(cValue: c.attempt_unpack_docker_compatibility)
    self.createDestPath = .init(cValue: c.create_dest_path)
    self.allowWildcard = .init(cValue: c.allow_wildcard)
    self.allowEmptyWildcard = .init(cValue: c.allow_empty_wildcard)
    self.includePatterns = .init(count: c.n_include_patterns, cValues: c.include_patterns)
    self.excludePatterns = .init(count: c.n_exclude_patterns, cValues: c.exclude_patterns)
    self.alwaysReplaceExistingDestPaths = .init(cValue: c.always_replace_existing_dest_paths)
    self.modeStr = .init(cValue: c.mode_str)
    self.requiredPaths = .init(count: c.n_required_paths, cValues: c.required_paths)
  }

  func fill(_ c: inout Pb__FileActionCopy, in arena: CArena) {
    c.src = arena.value(self.src)
    c.dest = arena.value(self.dest)
    c.owner = arena.value(self.owner)
    c.mode = self.mode
    c.follow_symlink = arena.value(self.followSymlink)
    c.dir_copy_contents = arena.value(self.dirCopyContents)
    c.attempt_unpack_docker_compatibility = arena.value(self.attemptUnpackDockerCompatibility)
    c.create_dest_path = arena.value(self.createDestPath)
    c.allow_wildcard = arena.value(self.allowWildcard)
    c.allow_empty_wildcard = arena.value(self.allowEmptyWildcard)
    c.timestamp = self.timestamp
    (c.n_include_patterns, c.include_patterns) = arena.list(self.includePatterns)
    (c.n_exclude_patterns, c.exclude_patterns) = arena.list(self.excludePatterns)
    c.always_replace_existing_dest_paths = arena.value(self.alwaysReplaceExistingDestPaths)
    c.mode_str = arena.value(self.modeStr)
    (c.n_required_paths, c.required_paths) = arena.list(self.requiredPaths)
  }
}

extension LLB.FileActionMkFile: CBackedMessage {
  init(cStruct c: Pb__FileActionMkFile) {
    self.init(path: .init(cValue: c.path), mode: c.mode, data: .init(cValue: c.data))
    self.owner = .init(cValue: c.owner)
    self.timestamp = c.timestamp
  }

  func fill(_ c: inout Pb__FileActionMkFile, in arena: CArena) {
    c.path = arena.value(self.path)
    c.mode = self.mode
    c.data = arena.value(self.data)
    c.owner = arena.value(self.owner)
    c.timestamp = self.timestamp
  }
}

extension LLB.FileActionMkDir: CBackedMessage {
  init(cStruct c: Pb__FileActionMkDir) {
    self.init(path: .init(cValue: c.path), mode: c.mode, makeParents: .init(cValue: c.make_parents))
    self.owner = .init(cValue: c.owner)
    self.timestamp = c.timestamp
  }

  func fill(_ c: inout Pb__FileActionMkDir, in arena: CArena) {
    c.path = arena.value(self.path)
    c.mode = self.mode
    c.make_parents = arena.value(self.makeParents)
    c.owner = arena.value(self.owner)
    c.timestamp = self.timestamp
  }
}

extension LLB.FileActionRm: CBackedMessage {
  init(cStruct c: Pb__FileActionRm) {
    self.init(path: .init(cValue: c.path))
    self.allowNotFound = .init(cValue: c.allow_not_found)
    self.allowWildcard = .init(cValue: c.allow_wildcard)
  }

  func fill(_ c: inout Pb__FileActionRm, in arena: CArena) {
    c.path = arena.value(self.path)
    c.allow_not_found = arena.value(self.allowNotFound)
    c.allow_wildcard = arena.value(self.allowWildcard)
  }
}

extension LLB.FileActionSymlink: CBackedMessage {
  init(cStruct c: Pb__FileActionSymlink) {
    self.init(oldpath: .init(cValue: c.oldpath), newpath: .init(cValue: c.newpath))
    self.owner = .init(cValue: c.owner)
    self.timestamp = c.timestamp
  }

  func fill(_ c: inout Pb__FileActionSymlink, in arena: CArena) {
    c.oldpath = arena.value(self.oldpath)
    c.newpath = arena.value(self.newpath)
    c.owner = arena.value(self.owner)
    c.timestamp = self.timestamp
  }
}

extension LLB.ChownOpt: CBackedMessage {
  init(cStruct c: Pb__ChownOpt) {
    self.init(user: .init(cValue: c.user), group: .init(cValue: c.group))
  }

  func fill(_ c: inout Pb__ChownOpt, in arena: CArena) {
    c.user = arena.value(self.user)
    c.group = arena.value(self.group)
  }
}

extension LLB.UserOpt: CBackedMessage {
  init(cStruct c: Pb__UserOpt) {
    switch c.user_case {
    case PB__USER_OPT__USER_BY_NAME: self.init(user: .byName(.init(cValue: c.by_name)))
    case PB__USER_OPT__USER_BY_ID: self.init(user: .byID(c.by_id))
    default: self.init()
    }
  }

  func fill(_ c: inout Pb__UserOpt, in arena: CArena) {
    switch self.user {
    case .byName(let name):
      (c.user_case, c.by_name) = (PB__USER_OPT__USER_BY_NAME, arena.value(name))
    case .byID(let id): (c.user_case, c.by_id) = (PB__USER_OPT__USER_BY_ID, id)
    case nil: break
    }
  }
}

extension LLB.NamedUserOpt: CBackedMessage {
  init(cStruct c: Pb__NamedUserOpt) {
    self.init(name: .init(cValue: c.name), input: c.input)
  }

  func fill(_ c: inout Pb__NamedUserOpt, in arena: CArena) {
    c.name = arena.value(self.name)
    c.input = self.input
  }
}
