// A schedule as data: the family and its typed parameters, validated into a concrete schedule by make().

import Foundation

/// The schedule families, by the name a spec uses for them (`family: "cosine"`).
public enum ScheduleFamily: String, CaseIterable, Sendable {
    case constant, step, multistep, exponential, polynomial, linear, cosine, sgdr, cyclic, onecycle
    case plateau, sequence, warmup
    case inverseSqrt = "inverse_sqrt"
    case wsd
    case logAnnealing = "log_annealing"
    case explr
    case equivalentExplr = "equivalent_explr"
    case texp
    case inverseTime = "inverse_time"
    case piecewise, table

    /// explr, equivalent_explr and texp: they turn the optimizer's weight decay into the LR, set the
    /// initial momentum buffer and count every optimizer step, so they only stand at the top of a schedule.
    public var isWeightDecayConversion: Bool {
        self == .explr || self == .equivalentExplr || self == .texp
    }
}

/// One schedule with all its parameters resolved (no defaults left to apply).
///
/// Parameter names follow PyTorch's `torch.optim.lr_scheduler` constructors; `lr` is the initial LR
/// (PyTorch's optimizer LR). ``make()`` checks every range and returns the concrete schedule; each
/// family's formula is documented on its type (``StepDecay``, ``CosineDecay``, …).
public indirect enum ScheduleSpec: Sendable, Equatable {
    /// ``ConstantSchedule`` (ConstantLR).
    case constant(lr: Double, factor: Double, totalIters: Int)
    /// ``StepDecay`` (StepLR).
    case step(lr: Double, stepSize: Int, gamma: Double)
    /// ``BoundedStepDecay``: family `step` given `final_lr`, `updates`, `total_steps`.
    case boundedStep(lr: Double, finalLR: Double, updates: Int, totalSteps: Int)
    /// ``MultiStepDecay`` (MultiStepLR); milestones in any order, repeats allowed.
    case multistep(lr: Double, milestones: [Int], gamma: Double)
    /// ``ExponentialDecay`` (ExponentialLR).
    case exponential(lr: Double, gamma: Double)
    /// ``PolynomialDecay`` (PolynomialLR).
    case polynomial(lr: Double, totalIters: Int, power: Double)
    /// ``LinearSchedule`` (LinearLR).
    case linear(lr: Double, startFactor: Double, endFactor: Double, totalIters: Int)
    /// ``CosineDecay`` (CosineAnnealingLR).
    case cosine(lr: Double, tMax: Int, etaMin: Double)
    /// ``WarmRestarts`` (CosineAnnealingWarmRestarts).
    case sgdr(lr: Double, t0: Int, tMult: Int, etaMin: Double)
    /// ``CyclicSchedule`` (CyclicLR).
    case cyclic(CyclicSchedule.Parameters)
    /// ``OneCycle`` (OneCycleLR).
    case onecycle(OneCycle.Parameters)
    /// ``ReduceOnPlateau`` (ReduceLROnPlateau).
    case plateau(ReduceOnPlateau.Parameters)
    /// ``Joined`` (SequentialLR): `schedules[i]` runs from `milestones[i-1]`, counting its own steps.
    case sequence(schedules: [ScheduleSpec], milestones: [Int])
    /// ``Warmup``: linear warmup from `startFactor`·LR over `warmupSteps`, then `schedule`.
    case warmup(schedule: ScheduleSpec, warmupSteps: Int, startFactor: Double)
    /// ``InverseSqrt`` (Hugging Face `inverse_sqrt`); `timescale` nil means the HF default.
    case inverseSqrt(lr: Double, warmupSteps: Int, timescale: Int?)
    /// ``WarmupStableDecay`` (Hugging Face `warmup_stable_decay`).
    case wsd(WarmupStableDecay.Parameters)
    /// ``LogAnnealing``.
    case logAnnealing(lr: Double, tMax: Int, etaMin: Double)
    /// ``ExpLR``: the exponential LR equivalent to constant-LR SGD with weight decay λ (coupled).
    case explr(lr: Double, weightDecay: Double, momentum: Double)
    /// ``EquivalentExpLR``: `of` with weight decay λ, converted exactly.
    case equivalentExplr(of: ScheduleSpec, weightDecay: Double, momentum: Double)
    /// ``TaperedExpLR``: `of` (piecewise constant) with weight decay λ, converted approximately (TEXP).
    case texp(of: ScheduleSpec, weightDecay: Double, momentum: Double)
    /// ``ExponentialRateDecay`` (TensorFlow ExponentialDecay): family `exponential` given `decay_rate`.
    case exponentialRate(lr: Double, decayRate: Double, decaySteps: Int, staircase: Bool)
    /// ``ExponentialRateDecay`` reaching `finalLR` after `totalSteps`: family `exponential` given `final_lr`.
    case exponentialToFinal(lr: Double, finalLR: Double, totalSteps: Int)
    /// ``InverseTimeDecay`` (TensorFlow InverseTimeDecay; Keras' classic `decay`).
    case inverseTime(lr: Double, decayRate: Double, decaySteps: Int, staircase: Bool)
    /// ``StepDrop``: family `step` given `drop` and `epochs_drop` (Keras-style step decay).
    case stepDrop(lr: Double, drop: Double, epochsDrop: Int)
    /// ``PiecewiseConstant`` (TensorFlow PiecewiseConstantDecay).
    case piecewise(boundaries: [Int], values: [Double])
    /// ``TableSchedule``; `csv` is the file the rows were read from (nil when given inline).
    case table(lrs: [Double], csv: String?)

    public var family: ScheduleFamily {
        switch self {
        case .constant: return .constant
        case .step, .boundedStep, .stepDrop: return .step
        case .multistep: return .multistep
        case .exponential, .exponentialRate, .exponentialToFinal: return .exponential
        case .polynomial: return .polynomial
        case .linear: return .linear
        case .cosine: return .cosine
        case .sgdr: return .sgdr
        case .cyclic: return .cyclic
        case .onecycle: return .onecycle
        case .plateau: return .plateau
        case .sequence: return .sequence
        case .warmup: return .warmup
        case .inverseSqrt: return .inverseSqrt
        case .wsd: return .wsd
        case .logAnnealing: return .logAnnealing
        case .explr: return .explr
        case .equivalentExplr: return .equivalentExplr
        case .texp: return .texp
        case .inverseTime: return .inverseTime
        case .piecewise: return .piecewise
        case .table: return .table
        }
    }
}

/// What ``ScheduleSpec/make()`` builds: a pure schedule, or the metric-driven ReduceOnPlateau.
public enum ScheduleInstance: Sendable {
    case schedule(any LRSchedule)
    case plateau(ReduceOnPlateau)
}

extension ScheduleSpec {
    /// Checks every parameter's range and builds the schedule.
    public func make() throws(ScheduleError) -> ScheduleInstance {
        switch self {
        case .plateau(let p): return .plateau(try ReduceOnPlateau(validating: p))
        case let .explr(lr, weightDecay, momentum):
            return .schedule(try ExpLR(validatingLR: lr, weightDecay: weightDecay, momentum: momentum))
        case let .equivalentExplr(of, weightDecay, momentum):
            return .schedule(try EquivalentExpLR(validating: of, weightDecay: weightDecay, momentum: momentum))
        case let .texp(of, weightDecay, momentum):
            return .schedule(try TaperedExpLR(validating: of, weightDecay: weightDecay, momentum: momentum))
        default: return .schedule(try makeSchedule())
        }
    }

    /// See ``ScheduleFamily/isWeightDecayConversion``.
    public var isWeightDecayConversion: Bool { family.isWeightDecayConversion }

    /// The schedule a conversion converts (`of`), with its errors placed under `of.`.
    static func makeBase(_ spec: ScheduleSpec) throws(ScheduleError) -> any LRSchedule {
        do {
            return try spec.makeSchedule()
        } catch {
            throw ScheduleError(error.family, "of.\(error.parameter)", error.value, error.rule)
        }
    }

    /// Builds a pure schedule; `plateau` is rejected (it needs a metric, so it cannot be nested).
    func makeSchedule() throws(ScheduleError) -> any LRSchedule {
        switch self {
        case let .constant(lr, factor, totalIters):
            return try ConstantSchedule(validatingLR: lr, factor: factor, totalIters: totalIters)
        case let .step(lr, stepSize, gamma):
            return try StepDecay(validatingLR: lr, stepSize: stepSize, gamma: gamma)
        case let .boundedStep(lr, finalLR, updates, totalSteps):
            return try BoundedStepDecay(validatingLR: lr, finalLR: finalLR, updates: updates, totalSteps: totalSteps)
        case let .multistep(lr, milestones, gamma):
            return try MultiStepDecay(validatingLR: lr, milestones: milestones, gamma: gamma)
        case let .exponential(lr, gamma):
            return try ExponentialDecay(validatingLR: lr, gamma: gamma)
        case let .polynomial(lr, totalIters, power):
            return try PolynomialDecay(validatingLR: lr, totalIters: totalIters, power: power)
        case let .linear(lr, startFactor, endFactor, totalIters):
            return try LinearSchedule(validatingLR: lr, startFactor: startFactor, endFactor: endFactor,
                                      totalIters: totalIters)
        case let .cosine(lr, tMax, etaMin):
            return try CosineDecay(validatingLR: lr, tMax: tMax, etaMin: etaMin)
        case let .sgdr(lr, t0, tMult, etaMin):
            return try WarmRestarts(validatingLR: lr, t0: t0, tMult: tMult, etaMin: etaMin)
        case .cyclic(let p): return try CyclicSchedule(validating: p)
        case .onecycle(let p): return try OneCycle(validating: p)
        case .plateau:
            throw ScheduleError(.plateau, "family", "\"plateau\"",
                                "a pure schedule here (plateau needs a metric and cannot be nested)")
        case let .sequence(schedules, milestones):
            return try Joined(validating: schedules, milestones: milestones)
        case let .warmup(schedule, warmupSteps, startFactor):
            return try Warmup(validating: schedule, steps: warmupSteps, startFactor: startFactor)
        case let .inverseSqrt(lr, warmupSteps, timescale):
            return try InverseSqrt(validatingLR: lr, warmupSteps: warmupSteps, timescale: timescale)
        case .wsd(let p): return try WarmupStableDecay(validating: p)
        case let .logAnnealing(lr, tMax, etaMin):
            return try LogAnnealing(validatingLR: lr, tMax: tMax, etaMin: etaMin)
        case let .exponentialRate(lr, decayRate, decaySteps, staircase):
            return try ExponentialRateDecay(validatingLR: lr, decayRate: decayRate, decaySteps: decaySteps,
                                            staircase: staircase)
        case let .exponentialToFinal(lr, finalLR, totalSteps):
            return try ExponentialRateDecay(validatingLR: lr, finalLR: finalLR, totalSteps: totalSteps)
        case let .inverseTime(lr, decayRate, decaySteps, staircase):
            return try InverseTimeDecay(validatingLR: lr, decayRate: decayRate, decaySteps: decaySteps,
                                        staircase: staircase)
        case let .stepDrop(lr, drop, epochsDrop):
            return try StepDrop(validatingLR: lr, drop: drop, epochsDrop: epochsDrop)
        case let .piecewise(boundaries, values):
            return try PiecewiseConstant(boundaries: boundaries, values: values)
        case let .table(lrs, _):
            return try TableSchedule(lrs: lrs)
        case .explr, .equivalentExplr, .texp:
            throw ScheduleError(family, "family", "\"\(family.rawValue)\"",
                                "a schedule that can be nested (\(family.rawValue) converts a whole run and sets the "
                                    + "initial momentum buffer, so it stands at the top; nest schedules in its `of`)")
        }
    }

    /// Values the schedule derives from its parameters, for results tables: bounded step decay's
    /// `gamma` and `step_size`, one-cycle's `initial_lr` and `min_lr`, inverse_sqrt's default
    /// `timescale`. Nested schedules' values carry their place (`schedules[1].gamma`).
    public var derivedParameters: [(name: String, value: Double)] {
        switch self {
        case let .boundedStep(lr, finalLR, updates, totalSteps):
            let d = BoundedStepDecay.derive(lr: lr, finalLR: finalLR, updates: updates, totalSteps: totalSteps)
            return [("gamma", d.gamma), ("step_size", Double(d.stepSize))]
        case let .exponentialToFinal(lr, finalLR, totalSteps):
            return [("gamma", pow(finalLR / lr, 1 / Double(totalSteps)))]
        case .onecycle(let p):
            let initial = p.maxLR / p.divFactor
            return [("initial_lr", initial), ("min_lr", initial / p.finalDivFactor)]
        case let .inverseSqrt(_, warmupSteps, nil):
            return [("timescale", Double(InverseSqrt.defaultTimescale(warmupSteps: warmupSteps)))]
        case let .sequence(schedules, _):
            return schedules.enumerated().flatMap { i, s in
                s.derivedParameters.map { (name: "schedules[\(i)].\($0.name)", value: $0.value) }
            }
        case let .warmup(schedule, _, _):
            return schedule.derivedParameters.map { (name: "schedule.\($0.name)", value: $0.value) }
        case let .explr(lr, weightDecay, momentum):
            guard let a = WeightDecayEquivalence.alpha(lr: lr, weightDecay: weightDecay, momentum: momentum) else {
                return []
            }
            return [("alpha", a), ("growth_per_step", 1 / (a * a))]
        case let .equivalentExplr(of, _, _), let .texp(of, _, _):
            return of.derivedParameters.map { (name: "of.\($0.name)", value: $0.value) }
        default:
            return []
        }
    }
}
