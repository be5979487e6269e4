// The driver the trainer steps: one scheduler.step() at a time, O(1) and allocation-free per step.

/// Steps any schedule the way PyTorch's `scheduler.step()` does.
///
/// ```
/// var s = try LRScheduler(spec)      // s.learningRate is the initial LR
/// optimizer.step(lr: s.learningRate); s.step(metric: valLoss)
/// ```
/// Pure schedules advance with ``LRSchedule/nextLearningRate(after:at:)``, which evaluates PyTorch's
/// recursive forms exactly; the plateau controller observes the metric.
public struct LRScheduler: Sendable {
    private enum Kind: Sendable {
        case pure(any LRSchedule)
        case recurrent(any RecurrentLRSchedule, RecurrenceState)
        case plateau(ReduceOnPlateau)
    }

    private var kind: Kind
    /// The LR in effect now (before the next step).
    public private(set) var learningRate: Double
    /// How many times ``step(metric:)`` has been called.
    public private(set) var stepCount = 0

    /// The scheduler of `spec`, every parameter's range checked (``ScheduleSpec/make()``).
    public init(_ spec: ScheduleSpec) throws(ScheduleError) {
        self.init(instance: try spec.make())
    }

    /// The scheduler of a schedule built in code (`.schedule(StepDecay(lr: 0.8, stepSize: 3, gamma: 0.5))`);
    /// its parameters are taken as given.
    public init(instance: ScheduleInstance) {
        switch instance {
        case .schedule(let s as any RecurrentLRSchedule):
            let (lr, state) = s.start()
            kind = .recurrent(s, state)
            learningRate = lr
        case .schedule(let s):
            kind = .pure(s)
            learningRate = s.learningRate(at: 0)
        case .plateau(let c):
            kind = .plateau(c)
            learningRate = c.learningRate
        }
    }

    /// A scheduler that holds `lr` at every step (a one-row table; `lr` is taken as given, 0 too): the
    /// placeholder of a run whose LR is set from outside, and the constant of the trainer's tests.
    public static func constant(_ lr: Double) -> LRScheduler {
        LRScheduler(instance: .schedule(TableSchedule(unchecked: [lr])))
    }

    /// True for `plateau`, whose steps need a metric.
    public var needsMetric: Bool {
        if case .plateau = kind { return true }
        return false
    }

    /// For `plateau`, the metric it observes (its `monitor`); nil for every other schedule.
    public var monitor: ReduceOnPlateau.Monitor? {
        if case .plateau(let c) = kind { return c.parameters.monitor }
        return nil
    }

    /// For the weight-decay conversions that need it (``ExpLR``, ``TaperedExpLR``): c in the SGD
    /// momentum buffer b₀ = c·θ₀ to set before the first step; nil for every other schedule.
    public var initialMomentumBufferCoefficient: Double? {
        switch kind {
        case .pure(let s as any InitialMomentumBuffer): return s.momentumBufferCoefficient
        case .recurrent(let s as any InitialMomentumBuffer, _): return s.momentumBufferCoefficient
        default: return nil
        }
    }

    /// The momentum a cycling schedule (top-level `cyclic` or `onecycle` with `cycle_momentum`) asks
    /// for now, or nil when the optimizer's own momentum applies.
    public var momentum: Double? {
        guard case .pure(let s) = kind, let cycling = s as? any MomentumCycling else { return nil }
        return cycling.momentum(at: stepCount)
    }

    /// One `scheduler.step()`. A plateau scheduler given no metric (nil) treats the step as one
    /// without improvement, as PyTorch does for a NaN metric; pure schedules ignore `metric`.
    public mutating func step(metric: Double? = nil) {
        stepCount += 1
        switch kind {
        case .pure(let s):
            learningRate = s.nextLearningRate(after: learningRate, at: stepCount)
        case .recurrent(let s, var state):
            learningRate = s.advance(&state, to: stepCount)
            kind = .recurrent(s, state)
        case .plateau(var c):
            learningRate = c.observe(metric ?? .nan)
            kind = .plateau(c)
        }
    }
}
