// Shared helpers for the trainer tests: stand-in LR sources and small random fixtures.

import Trainer

/// A constant learning rate (stands in for `LRScheduler` in mechanics tests).
struct ConstantLR: LRSource {
    var learningRate: Double
    var needsMetric: Bool { false }
    var steps = 0
    init(_ lr: Double) { learningRate = lr }
    mutating func step(metric: Double?) { steps += 1 }
}

/// LR halves every `every` steps; records the metrics it was fed.
struct HalvingLR: LRSource {
    var base: Double
    var every: Int
    var needsMetric: Bool = false
    var steps = 0
    var metrics: [Double] = []
    var learningRate: Double { base * pow2(-(steps / every)) }
    mutating func step(metric: Double?) {
        steps += 1
        if let metric { metrics.append(metric) }
    }
    func pow2(_ k: Int) -> Double { k >= 0 ? Double(1 << k) : 1 / Double(1 << -k) }
}

func randomArray(_ count: Int, seed: UInt64, scale: Double = 1) -> [Double] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in scale * (2 * rng.nextUniform() - 1) }
}
