// The math of TPE: Parzen (kernel) density estimates on the unit interval and over categories.

import Foundation

/// A mixture of Gaussians truncated to [0, 1], one kernel per observation plus a flat prior
/// component (weight 1/(n+1)), as in Bergstra et al. 2011 and Optuna's `_ParzenEstimator`.
/// Bandwidths follow Optuna's "magic clip": each kernel's σ is the larger of its distances to its
/// sorted neighbours, clipped to [1/min(100, m+1), 1], where m is `support` (by default the number
/// of kernels; TPE passes the number of all finished trials, so kernels narrow as evidence grows).
public struct ParzenEstimator: Sendable, Equatable {
    public var mus: [Double]
    public var sigmas: [Double]

    public init(observations: [Double], support: Int? = nil) {
        let xs = observations.sorted()
        mus = xs
        sigmas = []
        let lowest = 1.0 / Double(min(100, (support ?? xs.count) + 1))
        for (i, x) in xs.enumerated() {
            let left = i > 0 ? x - xs[i - 1] : x
            let right = i + 1 < xs.count ? xs[i + 1] - x : 1 - x
            sigmas.append(min(1, max(lowest, max(left, right))))
        }
    }

    var weight: Double { 1 / Double(mus.count + 1) }

    /// Draws from the mixture: the prior component (uniform on [0, 1]) or one kernel, truncated.
    public func sample(using rng: inout some RandomNumberGenerator) -> Double {
        let k = Int.random(in: 0...mus.count, using: &rng)
        guard k < mus.count else { return Double.random(in: 0..<1, using: &rng) }
        for _ in 0..<64 {
            let x = mus[k] + sigmas[k] * gaussian(using: &rng)
            if x >= 0 && x < 1 { return x }
        }
        return min(max(mus[k], 0), 0.999_999_999)
    }

    /// log density at `x` ∈ [0, 1].
    public func logDensity(_ x: Double) -> Double {
        var p = weight  // the uniform prior's density is 1 on [0, 1]
        for (mu, sigma) in zip(mus, sigmas) {
            let mass = normalCDF((1 - mu) / sigma) - normalCDF((0 - mu) / sigma)
            let z = (x - mu) / sigma
            p += weight * exp(-0.5 * z * z) / (sigma * (2 * Double.pi).squareRoot() * max(mass, 1e-12))
        }
        return log(p)
    }
}

/// A categorical estimate: counts plus a prior of one observation spread evenly over the categories.
public struct CategoricalEstimator: Sendable, Equatable {
    public var probabilities: [Double]

    public init(categories: Int, observations: [Int]) {
        var counts = [Double](repeating: 1 / Double(max(1, categories)), count: categories)
        for o in observations where counts.indices.contains(o) { counts[o] += 1 }
        let total = counts.reduce(0, +)
        probabilities = counts.map { $0 / total }
    }

    public func sample(using rng: inout some RandomNumberGenerator) -> Int {
        var u = Double.random(in: 0..<1, using: &rng)
        for (i, p) in probabilities.enumerated() {
            if u < p { return i }
            u -= p
        }
        return probabilities.count - 1
    }

    public func logProbability(_ i: Int) -> Double { log(probabilities[i]) }
}

/// Φ(x), the standard normal CDF.
func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

/// A standard normal draw (Box–Muller).
func gaussian(using rng: inout some RandomNumberGenerator) -> Double {
    let u1 = Double.random(in: Double.ulpOfOne..<1, using: &rng)
    let u2 = Double.random(in: 0..<1, using: &rng)
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
}
