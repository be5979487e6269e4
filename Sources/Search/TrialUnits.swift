// The units of a search in hand-out order, generated on demand: a billion-trial search costs no memory.

import JSON5

/// The units (configuration, repeat) of a search or of one shard, in the order they are handed out —
/// every repeat of configuration i before configuration i + 1 (i ≡ shard index mod shard count) —
/// leaving out the ones in `done`. Nothing is materialised: iterating yields the next unit from two
/// counters, so memory grows with the finished trials (`done`) only.
///
/// - Complexity: `init` is O(|done|); a full iteration is O(count + |done|).
public struct TrialUnits: Sequence, Sendable {
    /// Configurations 0..<configurations (before sharding).
    public let configurations: Int
    public let repeats: Int
    public let shardIndex: Int
    public let shardCount: Int
    /// Units left out (already finished).
    public let done: Set<TrialID>
    /// How many units iteration yields.
    public let count: Int

    /// - Throws: when configurations × repeats does not fit in an `Int`, naming both.
    public init(configurations: Int, repeats: Int, shard: (index: Int, count: Int)? = nil,
                done: Set<TrialID> = []) throws(ConfigError) {
        self.configurations = Swift.max(0, configurations)
        self.repeats = Swift.max(1, repeats)
        shardIndex = shard?.index ?? 0
        shardCount = Swift.max(1, shard?.count ?? 1)
        self.done = done
        let indices = self.configurations > shardIndex ? (self.configurations - shardIndex - 1) / shardCount + 1 : 0
        let (all, overflow) = indices.multipliedReportingOverflow(by: self.repeats)
        guard !overflow else {
            throw ConfigError(path: "repeats", location: nil,
                              message: "\(indices) configurations × \(self.repeats) repeats is more than "
                                  + "\(Int.max) trials; lower trials or repeats")
        }
        var skipped = 0
        for id in done where Self.contains(id, configurations: self.configurations, repeats: self.repeats,
                                           shardIndex: shardIndex, shardCount: shardCount) {
            skipped += 1
        }
        count = all - skipped
    }

    /// Whether `id` is a unit of this search or shard (finished or not).
    public func contains(_ id: TrialID) -> Bool {
        Self.contains(id, configurations: configurations, repeats: repeats, shardIndex: shardIndex, shardCount: shardCount)
    }

    static func contains(_ id: TrialID, configurations: Int, repeats: Int, shardIndex: Int, shardCount: Int) -> Bool {
        id.index >= 0 && id.index < configurations && id.repeat >= 0 && id.repeat < repeats
            && id.index % shardCount == shardIndex
    }

    public var underestimatedCount: Int { count }

    public func makeIterator() -> Iterator {
        Iterator(units: self, index: shardIndex, repeat: 0)
    }

    public struct Iterator: IteratorProtocol, Sendable {
        let units: TrialUnits
        var index: Int
        var `repeat`: Int

        public mutating func next() -> TrialID? {
            while index < units.configurations {
                let id = TrialID(index: index, repeat: `repeat`)
                `repeat` += 1
                if `repeat` == units.repeats {
                    `repeat` = 0
                    let (next, overflow) = index.addingReportingOverflow(units.shardCount)
                    index = overflow ? units.configurations : next
                }
                if !units.done.contains(id) { return id }
            }
            return nil
        }
    }
}
