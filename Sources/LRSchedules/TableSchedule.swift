// The `table` family: a user's LR per step, given inline or read from a step,lr CSV; the last value holds.

/// An LR table: row k is the LR after k scheduler steps, and the last row holds after the table ends.
///
/// ```
/// lr(k) = lrs[min(k, lrs.count − 1)]
/// ```
/// The spec gives the rows inline (`lrs: [0.1, 0.05, …]`) or as a `step,lr` CSV file (`csv:`), the
/// format `lrsearch schedule` writes, so any schedule exported from elsewhere runs unchanged.
///
/// - Parameters:
///   - lrs: 1 to ``maxRows`` values, each finite and ≥ 0.
public struct TableSchedule: LRSchedule, Equatable {
    public let lrs: [Double]

    /// The most rows a table may have (8 MB of values).
    public static let maxRows = 1_000_000

    /// Checks the ranges above; the error names the row (`lrs[3]`).
    public init(lrs: [Double]) throws(ScheduleError) {
        let check = ParameterCheck(family: .table)
        guard !lrs.isEmpty else { throw check.fail("lrs", "[]", "a non-empty list of LRs") }
        guard lrs.count <= Self.maxRows else {
            throw check.fail("lrs", "\(lrs.count) rows", "at most \(Self.maxRows) rows")
        }
        for (i, v) in lrs.enumerated() { try check.nonNegative("lrs[\(i)]", v) }
        self.lrs = lrs
    }

    /// `lrs` taken as given (non-empty), for schedules built in code (``LRScheduler/constant(_:)``).
    init(unchecked lrs: [Double]) {
        self.lrs = lrs.isEmpty ? [0] : lrs
    }

    public func learningRate(at step: Int) -> Double {
        lrs[max(0, min(step, lrs.count - 1))]
    }
}
