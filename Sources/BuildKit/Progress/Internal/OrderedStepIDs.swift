/// Step ids in the order they were first inserted, without repeats.
struct OrderedStepIDs {
  /// The ids, oldest first.
  private(set) var ordered: [ProgressStep.ID] = []
  private var seen: Set<ProgressStep.ID> = []

  /// Whether no id has been inserted since the last ``removeAll()``.
  var isEmpty: Bool {
    self.ordered.isEmpty
  }

  /// Adds `id` unless it is already present.
  mutating func insert(_ id: ProgressStep.ID) {
    if self.seen.insert(id).inserted {
      self.ordered.append(id)
    }
  }

  /// Adds each of `ids` that is not already present, in order.
  mutating func insert(contentsOf ids: [ProgressStep.ID]) {
    for id in ids {
      self.insert(id)
    }
  }

  /// Forgets every id.
  mutating func removeAll() {
    self.ordered.removeAll()
    self.seen.removeAll()
  }
}
