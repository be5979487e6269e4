// Static samplers: trial i's configuration is a pure function of (spec, i), whatever ran before.

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

/// A sampler whose points do not depend on results: random, grid and Sobol. Points are drawn in
/// trial-index order from the spec seed, so trial i is the same configuration on every run, every
/// machine and every shard.
public struct StaticSampler: Sendable {
    public let spec: SearchSpec
    public let count: Int
    private let sobol: SobolSequence?
    private let grid: [GridBlock]

    /// One schedule entry's part of the grid: the value lists whose cartesian product it runs.
    struct GridBlock: Sendable {
        var schedule: Int
        var axes: [[JSONValue]]
        var size: Int
    }

    /// - Parameter trials: the number of trials for random and Sobol (the spec's, or an override);
    ///   for grid, a cap on the enumeration (nil runs all of it).
    public init(spec: SearchSpec, trials: Int? = nil) throws(ConfigError) {
        self.spec = spec
        switch spec.sampler {
        case .random, .tpe:
            sobol = nil
            grid = []
            count = trials ?? spec.trials
        case .sobol:
            let dims = 1 + spec.commonParameters.count + (spec.schedules.map(\.template.parameters.count).max() ?? 0)
            guard dims <= SobolSequence.maxDimensions else {
                throw ConfigError(path: "sampler", location: nil,
                                  message: "sobol supports at most \(SobolSequence.maxDimensions - 1) sampled parameters per trial, this spec has \(dims - 1); use \"random\"")
            }
            sobol = SobolSequence(dimensions: dims, seed: deriveSeed(spec.seed, 0x50B0))
            grid = []
            count = trials ?? spec.trials
        case .grid:
            sobol = nil
            let commonAxes = spec.commonParameters.map { $0.distribution.gridValues(points: spec.gridPoints) }
            var blocks: [GridBlock] = []
            var total = 0
            for (i, s) in spec.schedules.enumerated() {
                let axes = commonAxes + s.template.parameters.map { $0.distribution.gridValues(points: spec.gridPoints) }
                var size = 1
                for axis in axes { size = try Self.gridSize(size.multipliedReportingOverflow(by: axis.count), schedule: i) }
                total = try Self.gridSize(total.addingReportingOverflow(size), schedule: i)
                blocks.append(GridBlock(schedule: i, axes: axes, size: size))
            }
            grid = blocks
            count = min(total, trials ?? total)
        }
    }

    /// The most points a grid may have: 2^53, so that every trial index is exact wherever it is stored.
    public static let maxGridSize = 1 << 53

    /// A product or sum on the way to a grid's size (of user-chosen axis lengths), checked against
    /// ``maxGridSize``, or an error that states the bound.
    static func gridSize(_ r: (partialValue: Int, overflow: Bool), schedule: Int) throws(ConfigError) -> Int {
        guard !r.overflow, r.partialValue <= maxGridSize else {
            throw ConfigError(path: "schedules[\(schedule)]", location: nil,
                              message: "the grid has more than 2^53 (9007199254740992) points; "
                                + "lower grid_points or the number of choices, or use sampler \"random\"")
        }
        return r.partialValue
    }

    /// The configuration of trial `index` (0 ≤ index < count).
    public func point(_ index: Int) -> TrialPoint {
        switch spec.sampler {
        case .random, .tpe:  // TPE's points come from SearchSession, which holds the results it needs
            var rng = SplitMix64(seed: deriveSeed(spec.seed, UInt64(index)))
            return point(index) { unit(rng.next()) }
        case .sobol:
            let u = sobol.map { $0.point(index) } ?? []
            var k = 0
            return point(index) {
                defer { k += 1 }
                return k < u.count ? u[k] : 0.5
            }
        case .grid:
            return gridPoint(index)
        }
    }

    /// Takes the family from the stratified order, then draws each parameter from the unit values after
    /// the first (which is left unused, so that the parameters keep their dimensions).
    private func point(_ index: Int, next: () -> Double) -> TrialPoint {
        _ = next()
        let s = spec.stratifiedFamily(index)
        let common = spec.commonParameters.map { $0.distribution.value(at: next()) }
        let family = spec.schedules[s].template.parameters.map { $0.distribution.value(at: next()) }
        return TrialPoint(index: index, schedule: s, common: common, family: family)
    }

    private func gridPoint(_ index: Int) -> TrialPoint {
        var rest = index
        for block in grid {
            guard rest >= block.size else {
                // Mixed radix, last axis fastest.
                var values = [JSONValue](repeating: .null, count: block.axes.count)
                for a in block.axes.indices.reversed() {
                    values[a] = block.axes[a][rest % block.axes[a].count]
                    rest /= block.axes[a].count
                }
                let nCommon = spec.commonParameters.count
                return TrialPoint(index: index, schedule: block.schedule, common: Array(values[..<nCommon]),
                                  family: Array(values[nCommon...]))
            }
            rest -= block.size
        }
        preconditionFailure("grid index \(index) out of range 0..<\(count)")
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
