/// A deterministic automaton built ahead of time from a ``RegexProgram``, for fast matching.
///
/// Walking a large context evaluates the same few patterns on every path, so the NFA's per-scalar
/// set bookkeeping adds up. This automaton is built once per pattern by subset construction over
/// a compressed alphabet: the boundaries of every character class split the scalar space into a
/// handful of intervals that all classes treat alike, and each interval is one input symbol. A
/// state is the set of NFA instructions alive after epsilon moves; it records whether the match
/// instruction is already reached (Go's search succeeds as soon as any match ends) and whether a
/// `$` would let it finish if the input ended here. The start state is kept apart from every
/// other state because `^` holds only there.
///
/// Programs with word-boundary assertions, programs not anchored with `^`, and programs whose
/// automaton would exceed the state limit get no automaton and keep using the NFA.
struct RegexDFA: Sendable {
  /// Lower bounds of the alphabet intervals, ascending; interval `i` ends before `bounds[i + 1]`.
  private let bounds: [UInt32]
  /// The symbol of each ASCII scalar.
  private let asciiSymbols: [Int32]
  private let symbolCount: Int
  /// `state * symbolCount + symbol` to the next state, or -1 for "no match possible".
  private let transitions: [Int32]
  private let matchesNow: [Bool]
  private let acceptsAtEnd: [Bool]

  /// Builds the automaton, or returns nil when the program does not qualify.
  init?(_ instructions: [RegexProgram.Instruction], stateLimit: Int = 1024) {
    guard case .assertion(.beginText) = instructions.first else { return nil }
    var classes: [CharacterClass] = []
    for instruction in instructions {
      switch instruction {
      case .assertion(.wordBoundary), .assertion(.notWordBoundary): return nil
      case .characters(let members): classes.append(members)
      default: continue
      }
    }

    // Alphabet: every class boundary starts a new interval.
    var cuts: Set<UInt32> = [0]
    for members in classes {
      for range in members.ranges {
        cuts.insert(range.lowerBound)
        if range.upperBound < CharacterClass.maxScalar { cuts.insert(range.upperBound + 1) }
      }
    }
    let bounds = cuts.sorted()
    self.bounds = bounds
    self.symbolCount = bounds.count
    self.asciiSymbols = (0..<128).map { Int32(Self.interval(of: UInt32($0), in: bounds)) }

    // Subset construction.
    let builder = Builder(instructions: instructions)
    var states: [[Int]] = [builder.closure([0], atStart: true)]
    var index: [[Int]: Int32] = [:]
    var transitions: [Int32] = []
    var cursor = 0
    while cursor < states.count {
      let state = states[cursor]
      for symbol in 0..<bounds.count {
        let next = builder.step(state, on: bounds[symbol])
        guard !next.isEmpty else {
          transitions.append(-1)
          continue
        }
        if let known = index[next] {
          transitions.append(known)
        } else {
          guard states.count < stateLimit else { return nil }
          index[next] = Int32(states.count)
          transitions.append(Int32(states.count))
          states.append(next)
        }
      }
      cursor += 1
    }
    self.transitions = transitions
    self.matchesNow = states.map { builder.containsMatch($0) }
    self.acceptsAtEnd = states.enumerated().map {
      builder.acceptsAtEnd($0.element, atStart: $0.offset == 0)
    }
  }

  /// Whether the expression matches `input` (scalar values).
  func matches(_ input: [UInt32]) -> Bool {
    var state = 0
    if self.matchesNow[state] { return true }
    for scalar in input {
      let symbol =
        scalar < 128
        ? Int(self.asciiSymbols[Int(scalar)]) : Self.interval(of: scalar, in: self.bounds)
      let next = self.transitions[state * self.symbolCount + symbol]
      guard next >= 0 else { return false }
      state = Int(next)
      if self.matchesNow[state] { return true }
    }
    return self.acceptsAtEnd[state]
  }

  /// The index of the interval containing `scalar`.
  private static func interval(of scalar: UInt32, in bounds: [UInt32]) -> Int {
    var low = 0
    var high = bounds.count - 1
    while low < high {
      let middle = (low + high + 1) / 2
      if bounds[middle] <= scalar { low = middle } else { high = middle - 1 }
    }
    return low
  }

  /// Epsilon closures and steps over the NFA's instructions.
  private struct Builder {
    let instructions: [RegexProgram.Instruction]

    /// Instructions reachable without input; `^` passes only at the start, `$` never mid-text.
    func closure(_ starts: [Int], atStart: Bool) -> [Int] {
      var seen = Set<Int>()
      var pending = starts
      while let pc = pending.popLast() {
        guard seen.insert(pc).inserted else { continue }
        switch self.instructions[pc] {
        case .jump(let target): pending.append(target)
        case .split(let first, let second): pending.append(contentsOf: [first, second])
        case .assertion(.beginText): if atStart { pending.append(pc + 1) }
        default: continue
        }
      }
      // Keep only the instructions that matter for later steps and for acceptance.
      return seen.filter { pc in
        switch self.instructions[pc] {
        case .characters, .match, .assertion(.endText): return true
        default: return false
        }
      }.sorted()
    }

    func step(_ state: [Int], on scalar: UInt32) -> [Int] {
      var next: [Int] = []
      for pc in state {
        if case .characters(let members) = self.instructions[pc], members.contains(scalar) {
          next.append(pc + 1)
        }
      }
      return next.isEmpty ? [] : self.closure(next, atStart: false)
    }

    func containsMatch(_ state: [Int]) -> Bool {
      state.contains { pc in
        if case .match = self.instructions[pc] { return true }
        return false
      }
    }

    /// Whether passing `$` assertions (the input ends here) reaches the match instruction.
    func acceptsAtEnd(_ state: [Int], atStart: Bool) -> Bool {
      var seen = Set<Int>()
      var pending = state
      while let pc = pending.popLast() {
        guard seen.insert(pc).inserted else { continue }
        switch self.instructions[pc] {
        case .match: return true
        case .jump(let target): pending.append(target)
        case .split(let first, let second): pending.append(contentsOf: [first, second])
        case .assertion(.endText): pending.append(pc + 1)
        case .assertion(.beginText): if atStart { pending.append(pc + 1) }
        default: continue
        }
      }
      return false
    }
  }
}
