// Grid search: the cartesian product of each family's value lists, enumerated by index.

import JSON5

/// Grid sampling: for each schedule entry in turn, the cartesian product of the value lists of the
/// common parameters and its own (`grid_points` per continuous range), last axis fastest. Trial i is
/// the i-th point of that enumeration; nothing is materialised. Ignores the history.
public struct GridSampler: Sampler {
    public let spec: SearchSpec
    /// The number of points of the whole grid.
    public let count: Int
    private let blocks: [Block]

    /// One schedule entry's part of the grid: the value lists whose cartesian product it runs.
    struct Block: Sendable {
        var schedule: Int
        var axes: [[JSONValue]]
        var size: Int
    }

    /// The most points a grid may have: 2^53, so that every trial index is exact wherever it is stored.
    public static let maxGridSize = 1 << 53

    /// - Throws: when the grid has more than ``maxGridSize`` points.
    public init(spec: SearchSpec) throws(ConfigError) {
        self.spec = spec
        let commonAxes = spec.commonParameters.map { $0.distribution.gridValues(points: spec.gridPoints) }
        var blocks: [Block] = []
        var total = 0
        for (i, s) in spec.schedules.enumerated() {
            let axes = commonAxes + s.template.parameters.map { $0.distribution.gridValues(points: spec.gridPoints) }
            var size = 1
            for axis in axes { size = try Self.gridSize(size.multipliedReportingOverflow(by: axis.count), schedule: i) }
            total = try Self.gridSize(total.addingReportingOverflow(size), schedule: i)
            blocks.append(Block(schedule: i, axes: axes, size: size))
        }
        self.blocks = blocks
        count = total
    }

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

    /// Point `index` (0 ≤ index < count) of the enumeration.
    public func suggest(trial index: Int, history: SamplerHistory) -> TrialPoint {
        var rest = index
        for block in blocks {
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
