// The `piecewise` family: TensorFlow's PiecewiseConstantDecay, one LR per interval between boundaries.

/// Piecewise constant LR (TensorFlow `tf.keras.optimizers.schedules.PiecewiseConstantDecay`).
///
/// ```
/// lr(k) = values[0]      k ≤ boundaries[0]
///         values[i]      boundaries[i−1] < k ≤ boundaries[i]
///         values[n]      k > boundaries[n−1]          (n = boundaries.count)
/// ```
/// As in TensorFlow, a boundary step still has the value before it: with boundaries [100] and values
/// [1.0, 0.5], steps 0…100 give 1.0 and step 101 on gives 0.5.
///
/// Built from code with ``init(boundaries:values:)``, which checks the ranges; for example one LR per
/// epoch `e` (from step e·N on) is `boundaries = [N−1, 2N−1, …]`.
///
/// - Parameters:
///   - boundaries: strictly increasing integers ≥ 0 (may be empty: a constant LR).
///   - values: one more than `boundaries`, each finite and ≥ 0.
public struct PiecewiseConstant: LRSchedule, Equatable {
    public let boundaries: [Int]
    public let values: [Double]

    /// Checks the ranges above; the error names the parameter (`boundaries[2]`, `values[0]`).
    public init(boundaries: [Int], values: [Double]) throws(ScheduleError) {
        let check = ParameterCheck(family: .piecewise)
        for (i, b) in boundaries.enumerated() {
            try check.nonNegative("boundaries[\(i)]", b)
            if i > 0, b <= boundaries[i - 1] {
                throw check.fail("boundaries[\(i)]", String(b), "> boundaries[\(i - 1)] (\(boundaries[i - 1])): "
                                    + "boundaries must increase strictly")
            }
        }
        guard values.count == boundaries.count + 1 else {
            throw check.fail("values", "\(values.count) value\(values.count == 1 ? "" : "s")",
                             "one more than boundaries (\(boundaries.count + 1) values for \(boundaries.count) "
                                + "boundar\(boundaries.count == 1 ? "y" : "ies"))")
        }
        for (i, v) in values.enumerated() { try check.nonNegative("values[\(i)]", v) }
        self.boundaries = boundaries
        self.values = values
    }

    /// `values[i]` for the first i with `step <= boundaries[i]` (binary search), else the last value.
    public func learningRate(at step: Int) -> Double {
        var lo = 0, hi = boundaries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if step <= boundaries[mid] { hi = mid } else { lo = mid + 1 }
        }
        return values[lo]
    }
}
