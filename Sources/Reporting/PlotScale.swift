// Axis scales for the SVG plots: linear with 1-2-5 ticks, logarithmic with decade (or 1-2-5) ticks.

import Foundation

/// A map from data values to [0, 1] along one axis, with the ticks to label it.
///
/// Linear scales snap their ends to multiples of a 1-2-5 step (about five ticks). Log scales snap to
/// decades and tick at each decade, or at 1, 2 and 5 times a power of ten when the data spans a
/// factor of 100 or less (at every digit within a factor of 4, so a log-uniform range like [0.7, 0.98]
/// still gets labels).
public struct PlotScale: Sendable, Equatable {
    public var isLog: Bool
    public var low: Double
    public var high: Double
    public var ticks: [Double]

    /// The scale that fits the finite values of `data` (and, for a log scale, the positive ones).
    /// With no such value the scale is [0, 1] (or [0.1, 1] for log).
    /// `padded` widens the data's range by 4% on each side and keeps it as the axis (ticks fall
    /// inside), so markers at the extremes do not sit on the frame; otherwise the axis ends snap to ticks.
    public static func fitting(_ data: [Double], log: Bool, padded: Bool = false) -> PlotScale {
        let values = data.filter { $0.isFinite && (!log || $0 > 0) }
        guard var lo = values.min(), var hi = values.max() else {
            return log ? logScale(0.1, 1) : linearScale(0, 1)
        }
        guard padded, hi > lo else { return log ? logScale(lo, hi) : linearScale(lo, hi) }
        if log {
            let r = exp(0.04 * (Foundation.log(hi) - Foundation.log(lo)))  // hi / lo may overflow (5e-324 … 1e308)
            (lo, hi) = (max(lo / r, 1e-300), min(hi * r, 1e300))  // the decades logScale can draw
        } else {
            let pad = (hi / 2 - lo / 2) * 0.08  // halves: hi − lo may overflow
            (lo, hi) = (max(lo - pad, -1e307), min(hi + pad, 1e307))
        }
        var scale = log ? logScale(lo, hi) : linearScale(lo, hi)
        let inside = scale.ticks.filter { $0 >= lo && $0 <= hi }
        if inside.count >= 2 {
            (scale.low, scale.high, scale.ticks) = (lo, hi, inside)
        }
        return scale
    }

    /// Whether values spanning `data` read better on a log axis: all positive and more than a decade apart.
    public static func prefersLog(_ data: [Double]) -> Bool {
        let values = data.filter { $0.isFinite }
        guard let lo = values.min(), let hi = values.max(), lo > 0 else { return false }
        return hi / lo > 10
    }

    /// Where `x` falls on the axis: 0 at `low`, 1 at `high` (outside for values beyond them; NaN for
    /// values a log axis cannot show).
    public func unit(_ x: Double) -> Double {
        if isLog {
            guard x > 0 else { return .nan }
            return (Foundation.log10(x) - Foundation.log10(low)) / (Foundation.log10(high) - Foundation.log10(low))
        }
        return (x - low) / (high - low)
    }

    static func linearScale(_ lo: Double, _ hi: Double) -> PlotScale {
        // hi − lo must stay finite, or the step is 1 and the ticks run from −1e308 to 1e308.
        var lo = max(lo, -1e307), hi = min(hi, 1e307)
        if lo == hi {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad
            hi += pad
        }
        let step = niceStep((hi - lo) / 5)
        let first = (lo / step).rounded(.down), last = (hi / step).rounded(.up)
        let ticks = stride(from: first, through: last, by: 1).map { cleaned($0 * step) }
        return PlotScale(isLog: false, low: first * step, high: last * step, ticks: ticks)
    }

    static func logScale(_ lo: Double, _ hi: Double) -> PlotScale {
        // Decades whose powers of ten are finite and non-zero (10^±300): beyond, pow(10, e) is 0 or inf
        // and the tick stride from −inf never ends.
        var lo = min(max(lo, 1e-300), 1e300), hi = min(max(hi, lo), 1e300)
        if lo == hi { (lo, hi) = (lo / 2, hi * 2) }
        let e0 = Foundation.log10(lo).rounded(.down), e1 = Foundation.log10(hi).rounded(.up)
        if hi / lo <= 100 {
            // Within about a decade, 1-2-5 leaves too few ticks: then every digit (0.7, 0.8, 0.9, 1).
            let digits: [Double] = hi / lo < 4 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : [1, 2, 5]
            let candidates = stride(from: e0 - 1, through: e1, by: 1).flatMap { e in digits.map { cleaned($0 * pow(10, e)) } }
            let low = candidates.last { $0 <= lo * (1 + 1e-12) } ?? pow(10, e0)
            var high = candidates.first { $0 >= hi * (1 - 1e-12) } ?? pow(10, e1)
            if high <= low { high = candidates.first { $0 > low } ?? low * 10 }
            return PlotScale(isLog: true, low: low, high: high, ticks: candidates.filter { $0 >= low && $0 <= high })
        }
        let every = max(1, ((e1 - e0) / 6).rounded(.up))
        let ticks = stride(from: e0, through: e1, by: every).map { cleaned(pow(10, $0)) }
        return PlotScale(isLog: true, low: pow(10, e0), high: pow(10, e1), ticks: ticks)
    }

    /// The 1, 2 or 5 × 10^k at or above `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, Foundation.log10(raw).rounded(.down))
        for m in [1.0, 2, 5, 10] where m * magnitude >= raw * (1 - 1e-9) { return m * magnitude }
        return 10 * magnitude
    }

    /// `x` with floating-point noise removed (0.30000000000000004 → 0.3), by a round trip through 12 digits.
    static func cleaned(_ x: Double) -> Double {
        Double(String(format: "%.12g", x)) ?? x
    }

    /// A short tick label: `0.001`, `0.25`, `20`, `1e-05` → `1e-5`, `2e+06` → `2e6`.
    public static func label(_ x: Double) -> String {
        if x == 0 { return "0" }
        let a = abs(x)
        if a >= 1e-3 && a < 1e5 { return formatNumber(x, digits: 4) }
        let parts = String(format: "%.3g", x).split(separator: "e", maxSplits: 1)
        guard parts.count == 2, let exponent = Int(parts[1]) else { return formatNumber(x) }
        return "\(parts[0])e\(exponent)"
    }
}
