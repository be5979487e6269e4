// The error a schedule's parameters raise when they break a rule: family, parameter, value found, rule.

/// A schedule parameter outside its valid range.
///
/// Rendered as `cosine: t_max must be a positive integer, got -3`. `parameter` is the PyTorch
/// (snake_case) name; inside a `sequence` or `warmup` it is prefixed with the inner schedule's place
/// (`schedules[2].t_max`, `schedule.gamma`).
public struct ScheduleError: Error, Equatable, Sendable, CustomStringConvertible {
    public var family: ScheduleFamily
    public var parameter: String
    /// The offending value as written in a spec (`-3`, `0.5`, `[30, 10]`).
    public var value: String
    /// What the value must be: `a positive integer`, `in (0, 1)`, `>= base_lr (0.01)`.
    public var rule: String

    public init(_ family: ScheduleFamily, _ parameter: String, _ value: String, _ rule: String) {
        self.family = family
        self.parameter = parameter
        self.value = value
        self.rule = rule
    }

    /// `must be <rule>, got <value>`: the message without the family and the parameter name.
    public var requirement: String { "must be \(rule), got \(value)" }

    public var description: String { "\(family.rawValue): \(parameter) \(requirement)" }
}

/// Formats a number the way a spec would write it: integral values without a fraction, others in
/// Swift's shortest round-trip form, non-finite values as the JSON5 tokens.
public func formatNumber(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x > 0 ? "Infinity" : "-Infinity" }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
}

/// The largest integer a schedule parameter (a step count, milestone or cycle length) may take: 2^53.
public let maxScheduleSteps = 1 << 53

/// Range checks for one family's parameters; each throws a ``ScheduleError`` naming the rule.
struct ParameterCheck {
    let family: ScheduleFamily

    func fail(_ name: String, _ value: String, _ rule: String) -> ScheduleError {
        ScheduleError(family, name, value, rule)
    }

    func finite(_ name: String, _ x: Double) throws(ScheduleError) {
        guard x.isFinite else { throw fail(name, formatNumber(x), "a finite number") }
    }

    func positive(_ name: String, _ x: Double) throws(ScheduleError) {
        try finite(name, x)
        guard x > 0 else { throw fail(name, formatNumber(x), "> 0") }
    }

    func nonNegative(_ name: String, _ x: Double) throws(ScheduleError) {
        try finite(name, x)
        guard x >= 0 else { throw fail(name, formatNumber(x), ">= 0") }
    }

    /// The checks every anneal-to-a-floor family shares: lr > 0, t_max > 0, 0 <= eta_min <= lr.
    func annealing(lr: Double, tMax: Int, etaMin: Double) throws(ScheduleError) {
        try positive("lr", lr)
        try positive("t_max", tMax)
        try nonNegative("eta_min", etaMin)
        guard etaMin <= lr else { throw fail("eta_min", formatNumber(etaMin), "<= lr (\(formatNumber(lr)))") }
    }

    func positive(_ name: String, _ n: Int) throws(ScheduleError) {
        guard n > 0 else { throw fail(name, String(n), "a positive integer") }
        try atMostMaxSteps(name, n)
    }

    func nonNegative(_ name: String, _ n: Int) throws(ScheduleError) {
        guard n >= 0 else { throw fail(name, String(n), "an integer >= 0") }
        try atMostMaxSteps(name, n)
    }

    /// Every integer parameter counts steps (or cycles), and the formulas add and double them:
    /// bounding each by 2^53 keeps all of that far from Int overflow and exact in Double.
    func atMostMaxSteps(_ name: String, _ n: Int) throws(ScheduleError) {
        guard n <= maxScheduleSteps else { throw fail(name, String(n), "at most 2^53 (9007199254740992)") }
    }

    /// `lo < x <= hi` (or `lo <= x` when `closedLow`), with the interval written in the rule.
    func within(_ name: String, _ x: Double, _ lo: Double, _ hi: Double,
                closedLow: Bool = false, closedHigh: Bool = true) throws(ScheduleError) {
        try finite(name, x)
        let okLow = closedLow ? x >= lo : x > lo
        let okHigh = closedHigh ? x <= hi : x < hi
        guard okLow && okHigh else {
            let interval = (closedLow ? "[" : "(") + "\(formatNumber(lo)), \(formatNumber(hi))"
                + (closedHigh ? "]" : ")")
            throw fail(name, formatNumber(x), "in \(interval)")
        }
    }
}
