// The sampler protocol, and the static samplers' facade: trial i's configuration is a pure function of
// (spec, i, what it may see).

import JSON5
import Trainer

/// One point of the search space: which schedule entry, and a value for each of its parameters.
public struct TrialPoint: Sendable, Equatable {
    public var index: Int
    /// Index into `SearchSpec.schedules`.
    public var schedule: Int
    /// Values of `SearchSpec.commonParameters`, in order.
    public var common: [JSONValue]
    /// Values of `schedules[schedule].template.parameters`, in order.
    public var family: [JSONValue]
}

/// What a sampler may see when it suggests trial i: for TPE, the results of trials 0 … i − 1 − lag
/// (`SearchSpec.lag`) and the points of trials i − lag … i − 1; the static samplers see nothing.
public struct SamplerHistory: Sendable {
    /// Finished trials (their first repeat), in index order: the unit point and the objective
    /// (lower is better; NaN for diverged).
    public var observations: [TPESampler.Observation]
    /// Trials whose results the sampler may not see, in index order (TPE's constant liar).
    public var running: [UnitPoint]

    public init(observations: [TPESampler.Observation] = [], running: [UnitPoint] = []) {
        self.observations = observations
        self.running = running
    }

    public static let empty = SamplerHistory()
}

/// Chooses trial configurations. `suggest` is a pure function of the sampler (the spec and its seed),
/// the trial index and the history it is given, so the same inputs give the same point on any run,
/// machine or shard.
public protocol Sampler: Sendable {
    /// The configuration of trial `index`.
    func suggest(trial index: Int, history: SamplerHistory) -> TrialPoint
}

/// The sampler of a spec whose points do not depend on results (random, grid, Sobol; TPE's startup
/// draws are random): trial i is the same configuration on every run, every machine and every shard.
public struct StaticSampler: Sendable {
    public let spec: SearchSpec
    public let count: Int
    private let sampler: any Sampler

    /// - Parameter trials: the number of trials for random and Sobol (the spec's, or an override);
    ///   for grid, a cap on the enumeration (nil runs all of it).
    public init(spec: SearchSpec, trials: Int? = nil) throws(ConfigError) {
        self.spec = spec
        switch spec.sampler {
        case .random, .tpe:  // TPE's points come from SearchSession, which holds the results it needs
            sampler = RandomSampler(spec: spec)
            count = trials ?? spec.trials
        case .sobol:
            sampler = try SobolSampler(spec: spec)
            count = trials ?? spec.trials
        case .grid:
            let grid = try GridSampler(spec: spec)
            sampler = grid
            count = min(grid.count, trials ?? grid.count)
        }
    }

    /// The most points a grid may have: 2^53, so that every trial index is exact wherever it is stored.
    public static let maxGridSize = GridSampler.maxGridSize

    /// The configuration of trial `index` (0 ≤ index < count).
    public func point(_ index: Int) -> TrialPoint {
        sampler.suggest(trial: index, history: .empty)
    }
}

extension SearchSpec {
    /// Trial `index`'s point from unit values drawn by `next`: the family from the stratified order,
    /// then each parameter from the unit values after the first (which is left unused, so that the
    /// parameters keep their dimensions).
    func stratifiedPoint(_ index: Int, next: () -> Double) -> TrialPoint {
        _ = next()
        let s = stratifiedFamily(index)
        let common = commonParameters.map { $0.distribution.value(at: next()) }
        let family = schedules[s].template.parameters.map { $0.distribution.value(at: next()) }
        return TrialPoint(index: index, schedule: s, common: common, family: family)
    }
}

/// A uniform double in [0, 1) from 53 random bits.
@inline(__always) func unit(_ bits: UInt64) -> Double { Double(bits >> 11) * 0x1p-53 }

extension SearchSpec {
    /// The schedule entry of trial `index` for random and Sobol sampling and TPE's startup: trials come
    /// in blocks of one trial per entry, each block in its own seeded order, so n trials over F entries
    /// give every entry ⌊n/F⌋ or ⌈n/F⌉ of them (stratified sampling; an independent uniform draw per
    /// trial leaves some family of 7 with fewer than 4 of 30 trials 99.7% of the time, by simulation).
    /// A pure function of (seed, number of entries, index).
    ///
    /// - Complexity: O(F) for F entries.
    public func stratifiedFamily(_ index: Int) -> Int {
        let f = schedules.count
        guard f > 1, index >= 0 else { return 0 }
        let block = index / f, position = index % f
        var rng = SplitMix64(seed: deriveSeed(deriveSeed(seed, 0xFA_0B10C5), UInt64(block)))
        var order = Array(0..<f)
        for i in stride(from: f - 1, to: 0, by: -1) {  // Fisher–Yates
            let j = min(i, Int(unit(rng.next()) * Double(i + 1)))
            order.swapAt(i, j)
        }
        return order[position]
    }
}
