// The `plateau` family: PyTorch's ReduceLROnPlateau, the one schedule driven by an observed metric.

/// Reduce the LR when a metric stops improving (PyTorch `ReduceLROnPlateau`), with its full rule.
///
/// Each ``observe(_:)`` is one `scheduler.step(metric)`:
/// ```
/// better(a, best) = a < best·(1 − threshold)   mode min, rel      a > best·(1 + threshold)   mode max, rel
///                 = a < best − threshold       mode min, abs      a > best + threshold       mode max, abs
/// if better(metric, best) { best = metric; bad = 0 } else { bad += 1 }
/// if cooldown_counter > 0 { cooldown_counter −= 1; bad = 0 }
/// if bad > patience {
///     new = max(lr·factor, min_lr);  if lr − new > eps { lr = new }
///     cooldown_counter = cooldown;  bad = 0
/// }
/// ```
/// `best` starts at +∞ (min) or −∞ (max). A NaN metric is never better, so it counts as a bad step.
public struct ReduceOnPlateau: Sendable, Equatable {
    public enum Mode: String, CaseIterable, Sendable { case min, max }
    public enum ThresholdMode: String, CaseIterable, Sendable { case rel, abs }

    /// The metric a trainer feeds it once per epoch (Keras' `monitor`). Losses improve downwards
    /// (mode min), accuracy upwards (mode max).
    public enum Monitor: String, CaseIterable, Sendable {
        case valLoss = "val_loss"
        case trainLoss = "train_loss"
        case valAccuracy = "val_accuracy"

        /// The mode in which this metric improves: max for accuracy, min for losses.
        public var naturalMode: Mode { self == .valAccuracy ? .max : .min }
    }

    /// ReduceLROnPlateau's constructor arguments (PyTorch defaults), plus the initial LR.
    public struct Parameters: Sendable, Equatable {
        /// Initial LR, > 0.
        public var lr: Double
        public var mode: Mode
        /// Multiplier on reduction, in (0, 1).
        public var factor: Double
        /// Bad steps tolerated before a reduction, ≥ 0.
        public var patience: Int
        /// ≥ 0.
        public var threshold: Double
        public var thresholdMode: ThresholdMode
        /// Steps after a reduction during which bad steps are not counted, ≥ 0.
        public var cooldown: Int
        /// Floor, ≥ 0.
        public var minLR: Double
        /// Reductions smaller than this are skipped, ≥ 0.
        public var eps: Double
        /// The metric observed (the spec's `monitor`); the controller itself only sees numbers.
        public var monitor: Monitor

        public init(lr: Double, mode: Mode = .min, factor: Double = 0.1, patience: Int = 10,
                    threshold: Double = 1e-4, thresholdMode: ThresholdMode = .rel, cooldown: Int = 0,
                    minLR: Double = 0, eps: Double = 1e-8, monitor: Monitor = .valLoss) {
            self.lr = lr
            self.mode = mode
            self.factor = factor
            self.patience = patience
            self.threshold = threshold
            self.thresholdMode = thresholdMode
            self.cooldown = cooldown
            self.minLR = minLR
            self.eps = eps
            self.monitor = monitor
        }
    }

    public let parameters: Parameters
    public private(set) var learningRate: Double
    /// The best metric so far (±∞ before the first improvement).
    public private(set) var best: Double
    public private(set) var badSteps = 0
    public private(set) var cooldownCounter = 0

    /// - Precondition: the ranges in ``Parameters`` (checked by ``ScheduleSpec/make()``).
    public init(_ p: Parameters) {
        precondition(p.lr > 0 && p.factor > 0 && p.factor < 1 && p.patience >= 0 && p.cooldown >= 0,
                     "invalid ReduceOnPlateau")
        parameters = p
        learningRate = p.lr
        best = p.mode == .min ? .infinity : -.infinity
    }

    init(validating p: Parameters) throws(ScheduleError) {
        let check = ParameterCheck(family: .plateau)
        try check.positive("lr", p.lr)
        try check.within("factor", p.factor, 0, 1, closedHigh: false)
        try check.nonNegative("patience", p.patience)
        try check.nonNegative("threshold", p.threshold)
        try check.nonNegative("cooldown", p.cooldown)
        try check.nonNegative("min_lr", p.minLR)
        try check.nonNegative("eps", p.eps)
        self.init(p)
    }

    /// Whether `a` improves on `best` by more than the threshold.
    public func isBetter(_ a: Double, than best: Double) -> Bool {
        let t = parameters.threshold
        switch (parameters.mode, parameters.thresholdMode) {
        case (.min, .rel): return a < best * (1.0 - t)
        case (.min, .abs): return a < best - t
        case (.max, .rel): return a > best * (t + 1.0)
        case (.max, .abs): return a > best + t
        }
    }

    public mutating func observe(_ metric: Double) -> Double {
        if isBetter(metric, than: best) {
            best = metric
            badSteps = 0
        } else {
            badSteps += 1
        }
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            badSteps = 0
        }
        if badSteps > parameters.patience {
            let reduced = Swift.max(learningRate * parameters.factor, parameters.minLR)
            if learningRate - reduced > parameters.eps { learningRate = reduced }
            cooldownCounter = parameters.cooldown
            badSteps = 0
        }
        return learningRate
    }
}
