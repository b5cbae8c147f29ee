/// A compiled regular expression run as a Thompson NFA (a Pike VM without captures).
///
/// The program is a list of instructions: consume one scalar from a class, split, jump, check an
/// assertion, or accept. Matching advances a set of program counters one input scalar at a time,
/// so it needs time linear in the input for a given pattern and never backtracks. Besides plain
/// matching, the program can answer whether *some* string that starts with a given prefix could
/// match, which lets a directory walk skip subtrees that no pattern can reach.
struct RegexProgram: Sendable {
  /// Zero-width conditions checked between input scalars.
  enum Assertion: Sendable {
    case beginText
    case endText
    case wordBoundary
    case notWordBoundary
  }

  enum Instruction: Sendable {
    case characters(CharacterClass)
    case split(Int, Int)
    case jump(Int)
    case assertion(Assertion)
    case match
  }

  private(set) var instructions: [Instruction] = []
  /// The deterministic form used for plain matching, when the program allows one.
  private(set) var automaton: RegexDFA?

  /// Compiles a syntax tree.
  init(_ node: RegexParser.Node) {
    self.emit(node)
    self.instructions.append(.match)
    self.automaton = RegexDFA(self.instructions)
  }

  /// Whether the expression matches `input` (scalar values), Go `MatchString` style: the match
  /// may end anywhere, and it starts wherever the expression's own anchors allow.
  func matches(_ input: [UInt32]) -> Bool {
    if let automaton = self.automaton { return automaton.matches(input) }
    return self.simulate(input)
  }

  /// Runs the NFA directly.
  func simulate(_ input: [UInt32]) -> Bool {
    var current = ThreadSet(capacity: self.instructions.count)
    var next = ThreadSet(capacity: self.instructions.count)
    var stack: [Int] = []
    stack.reserveCapacity(self.instructions.count)

    // Go's unanchored search: a thread may start at every position, unless the expression
    // begins with `^` (as every translated pattern does), which only holds at position 0.
    for position in 0...input.count {
      if position == 0 || !self.anchoredAtStart {
        self.addThread(0, to: &current, at: position, in: input, futureKnown: true, stack: &stack)
      }
      if current.containsMatch(self.instructions) { return true }
      guard position < input.count else { break }
      if current.members.isEmpty, self.anchoredAtStart { return false }

      let scalar = input[position]
      for pc in current.members {
        if case .characters(let members) = self.instructions[pc], members.contains(scalar) {
          self.addThread(
            pc + 1,
            to: &next,
            at: position + 1,
            in: input,
            futureKnown: true,
            stack: &stack
          )
        }
      }
      swap(&current, &next)
      next.removeAll()
    }
    return false
  }

  /// Whether the first instruction is a `^` assertion.
  private var anchoredAtStart: Bool {
    if case .assertion(.beginText) = self.instructions.first { return true }
    return false
  }

  /// Whether some string that starts with `prefix` could match. The answer may be a false
  /// "yes" when assertions make the remaining path impossible, but it is never a false "no".
  func mayMatchExtension(of prefix: [UInt32]) -> Bool {
    var current = ThreadSet(capacity: self.instructions.count)
    var next = ThreadSet(capacity: self.instructions.count)
    var stack: [Int] = []

    for position in 0...prefix.count {
      if position == 0 || !self.anchoredAtStart {
        self.addThread(0, to: &current, at: position, in: prefix, futureKnown: false, stack: &stack)
      }
      guard position < prefix.count else { break }
      let scalar = prefix[position]
      for pc in current.members {
        if case .characters(let members) = self.instructions[pc], members.contains(scalar) {
          self.addThread(
            pc + 1,
            to: &next,
            at: position + 1,
            in: prefix,
            futureKnown: false,
            stack: &stack
          )
        }
      }
      swap(&current, &next)
      next.removeAll()
    }
    return self.canReachMatch(from: current.members, atStart: prefix.isEmpty)
  }

  /// Graph search from live threads to the accepting instruction over any future input.
  private func canReachMatch(from starts: [Int], atStart: Bool) -> Bool {
    var seen = [Bool](repeating: false, count: self.instructions.count)
    var pending = starts
    while let pc = pending.popLast() {
      guard !seen[pc] else { continue }
      seen[pc] = true
      switch self.instructions[pc] {
      case .match:
        return true
      case .characters(let members):
        if !members.isEmpty { pending.append(pc + 1) }
      case .split(let first, let second):
        pending.append(first)
        pending.append(second)
      case .jump(let target):
        pending.append(target)
      case .assertion(let assertion):
        if assertion != .beginText || atStart { pending.append(pc + 1) }
      }
    }
    return false
  }

  /// Adds `pc` and everything reachable from it without consuming input.
  private func addThread(
    _ start: Int,
    to set: inout ThreadSet,
    at position: Int,
    in input: [UInt32],
    futureKnown: Bool,
    stack pending: inout [Int]
  ) {
    pending.append(start)
    while let pc = pending.popLast() {
      guard set.insert(pc) else { continue }
      switch self.instructions[pc] {
      case .characters, .match:
        continue
      case .jump(let target):
        pending.append(target)
      case .split(let first, let second):
        pending.append(second)
        pending.append(first)
      case .assertion(let assertion):
        if Self.holds(assertion, at: position, in: input, futureKnown: futureKnown) {
          pending.append(pc + 1)
        }
      }
    }
  }

  private static func holds(
    _ assertion: Assertion,
    at position: Int,
    in input: [UInt32],
    futureKnown: Bool
  ) -> Bool {
    let atEnd = position == input.count
    // Past the end of a prefix the next scalar is unknown, so anything may still hold.
    if atEnd, !futureKnown, assertion != .beginText { return true }

    let before = position > 0 ? input[position - 1] : nil
    let after = position < input.count ? input[position] : nil
    let boundary =
      CharacterClass.isWordCharacter(before) != CharacterClass.isWordCharacter(after)
    switch assertion {
    case .beginText: return position == 0
    case .endText: return atEnd
    case .wordBoundary: return boundary
    case .notWordBoundary: return !boundary
    }
  }
}

extension RegexProgram {
  private mutating func emit(_ node: RegexParser.Node) {
    switch node {
    case .characters(let members):
      self.instructions.append(.characters(members))
    case .assertion(let assertion):
      self.instructions.append(.assertion(assertion))
    case .concatenation(let items):
      for item in items { self.emit(item) }
    case .alternation(let branches):
      self.emitAlternation(branches)
    case .repetition(let inner, let minimum, let maximum):
      for _ in 0..<minimum {
        self.emit(inner)
      }
      guard let maximum else {
        self.emitOptional(inner, repeating: true)
        return
      }
      for _ in minimum..<maximum {
        self.emitOptional(inner, repeating: false)
      }
    }
  }

  private mutating func emitAlternation(_ branches: [RegexParser.Node]) {
    var exits: [Int] = []
    for (offset, branch) in branches.enumerated() {
      guard offset < branches.count - 1 else {
        self.emit(branch)
        break
      }
      let split = self.instructions.count
      self.instructions.append(.split(split + 1, -1))
      self.emit(branch)
      exits.append(self.instructions.count)
      self.instructions.append(.jump(-1))
      self.instructions[split] = .split(split + 1, self.instructions.count)
    }
    for exit in exits {
      self.instructions[exit] = .jump(self.instructions.count)
    }
  }

  /// `inner?` or, when `repeating`, `inner*`.
  private mutating func emitOptional(_ inner: RegexParser.Node, repeating: Bool) {
    let start = self.instructions.count
    self.instructions.append(.split(start + 1, -1))
    self.emit(inner)
    if repeating {
      self.instructions.append(.jump(start))
    }
    self.instructions[start] = .split(start + 1, self.instructions.count)
  }
}

/// A set of program counters with O(1) insert and clear, kept in insertion order.
private struct ThreadSet {
  private var position: [Int]
  private(set) var members: [Int] = []

  init(capacity: Int) {
    self.position = [Int](repeating: -1, count: capacity)
    self.members.reserveCapacity(capacity)
  }

  /// Inserts `pc`; returns false when it was already present.
  mutating func insert(_ pc: Int) -> Bool {
    let slot = self.position[pc]
    if slot >= 0, slot < self.members.count, self.members[slot] == pc { return false }
    self.position[pc] = self.members.count
    self.members.append(pc)
    return true
  }

  mutating func removeAll() {
    self.members.removeAll(keepingCapacity: true)
  }

  func containsMatch(_ instructions: [RegexProgram.Instruction]) -> Bool {
    self.members.contains { pc in
      if case .match = instructions[pc] { return true }
      return false
    }
  }
}
