// The per-family half of ScheduleParser: each family's keys and defaults, and the writer back to JSON.

import JSON5
import LRSchedules

extension ScheduleParser {
    static func read(_ family: ScheduleFamily, _ f: inout Fields) throws(ConfigError) -> ScheduleSpec {
        switch family {
        case .constant:
            // factor defaults to 1 (PyTorch: 1/3) so that `constant` alone is a constant LR.
            return .constant(lr: try f.lr(), factor: try f.double("factor", 1), totalIters: try f.int("total_iters", 5))
        case .step: return try readStep(&f)
        case .multistep:
            return .multistep(lr: try f.lr(), milestones: try f.ints("milestones"),
                              gamma: try f.double("gamma", 0.1))
        case .exponential: return try readExponential(&f)
        case .polynomial:
            return .polynomial(lr: try f.lr(), totalIters: try f.length("total_iters"), power: try f.double("power", 1))
        case .linear:
            return .linear(lr: try f.lr(), startFactor: try f.double("start_factor", 1.0 / 3),
                           endFactor: try f.double("end_factor", 1), totalIters: try f.int("total_iters", 5))
        case .cosine: return .cosine(lr: try f.lr(), tMax: try f.length("t_max"), etaMin: try f.double("eta_min", 0))
        case .logAnnealing:
            return .logAnnealing(lr: try f.lr(), tMax: try f.length("t_max"), etaMin: try f.double("eta_min", 0))
        case .sgdr:
            return .sgdr(lr: try f.lr(), t0: try f.int("t_0"), tMult: try f.int("t_mult", 1),
                         etaMin: try f.double("eta_min", 0))
        case .cyclic: return try readCyclic(&f)
        case .onecycle: return try readOneCycle(&f)
        case .plateau: return try readPlateau(&f)
        case .sequence: return try readSequence(&f)
        case .warmup: return try readWarmup(&f)
        case .inverseSqrt:
            return .inverseSqrt(lr: try f.lr(), warmupSteps: try f.int("warmup_steps", 0),
                                timescale: try f.optionalInt("timescale"))
        case .wsd: return try readWSD(&f)
        case .explr:
            let lr = try f.lr()
            let (weightDecay, momentum) = try readWeightDecay(&f, lr: lr)
            return .explr(lr: lr, weightDecay: weightDecay, momentum: momentum)
        case .equivalentExplr, .texp: return try readConversion(family, &f)
        case .inverseTime: return try readInverseTime(&f)
        case .piecewise: return .piecewise(boundaries: try f.ints("boundaries"), values: try f.doubles("values"))
        case .table: return try readTable(&f)
        }
    }

    /// `weight_decay` (coupled λ) or `lambda_new` (λ = λnew/lr), and `momentum`; both default to the
    /// optimizer's (``ScheduleDefaults``).
    private static func readWeightDecay(_ f: inout Fields, lr: Double) throws(ConfigError) -> (Double, Double) {
        let momentum = try f.double("momentum", f.defaults.momentum)
        if f.reader.has("weight_decay"), f.reader.has("lambda_new") {
            throw ConfigError(f.reader.node("lambda_new"), path: f.reader.path("lambda_new"),
                              "cannot be combined with weight_decay: give λ (weight_decay) or λnew = λ·lr (lambda_new)")
        }
        if let lambdaNew = try f.reader.double("lambda_new") {
            return (lambdaNew / lr, momentum)
        }
        if let weightDecay = try f.reader.double("weight_decay") { return (weightDecay, momentum) }
        if let lambdaNew = f.defaults.lambdaNew { return (lambdaNew / lr, momentum) }
        return (try f.double("weight_decay", f.defaults.weightDecay), momentum)
    }

    /// `of` takes the conversion's `lr` and the run length; λnew divides by `of`'s initial LR.
    private static func readConversion(_ family: ScheduleFamily, _ f: inout Fields) throws(ConfigError) -> ScheduleSpec {
        let lr = try f.reader.double("lr") ?? f.defaults.lr
        let inner = try f.reader.required("of")
        let of = try parse(inner, path: f.reader.path("of"),
                           defaults: ScheduleDefaults(lr: lr, totalSteps: f.defaults.totalSteps,
                                                     baseDirectory: f.defaults.baseDirectory), nested: true)
        var initialLR = lr ?? 1
        if case .schedule(let s)? = try? of.make() { initialLR = s.learningRate(at: 0) }
        let (weightDecay, momentum) = try readWeightDecay(&f, lr: initialLR)
        return family == .texp ? .texp(of: of, weightDecay: weightDecay, momentum: momentum)
            : .equivalentExplr(of: of, weightDecay: weightDecay, momentum: momentum)
    }

    /// `step_size`/`gamma` (StepLR), or `final_lr`/`updates`/`total_steps` (bounded step decay).
    private static func readStep(_ f: inout Fields) throws(ConfigError) -> ScheduleSpec {
        if let keras = try readStepDrop(&f) { return keras }
        let bounded = ["final_lr", "updates", "total_steps"].filter(f.reader.has)
        guard !bounded.isEmpty else {
            return .step(lr: try f.lr(), stepSize: try f.int("step_size"), gamma: try f.double("gamma", 0.1))
        }
        for key in ["step_size", "gamma"] where f.reader.has(key) {
            throw ConfigError(f.reader.node(key), path: f.reader.path(key),
                              "cannot be combined with \(bounded[0]): bounded step decay derives step_size and gamma "
                                + "from lr, final_lr, updates and total_steps")
        }
        return .boundedStep(lr: try f.lr(), finalLR: try f.double("final_lr"), updates: try f.int("updates"),
                            totalSteps: try f.length("total_steps"))
    }

    private static func readCyclic(_ f: inout Fields) throws(ConfigError) -> ScheduleSpec {
        .cyclic(CyclicSchedule.Parameters(
            baseLR: try f.lr("base_lr"), maxLR: try f.double("max_lr"), stepSizeUp: try f.int("step_size_up", 2000),
            stepSizeDown: try f.optionalInt("step_size_down"), mode: try f.choice("mode", .triangular),
            gamma: try f.double("gamma", 1), cycleMomentum: try f.bool("cycle_momentum", true),
            baseMomentum: try f.double("base_momentum", 0.8), maxMomentum: try f.double("max_momentum", 0.9)))
    }

    private static func readOneCycle(_ f: inout Fields) throws(ConfigError) -> ScheduleSpec {
        .onecycle(OneCycle.Parameters(
            maxLR: try f.lr("max_lr"), totalSteps: try f.length("total_steps"), pctStart: try f.double("pct_start", 0.3),
            annealStrategy: try f.choice("anneal_strategy", .cos), divFactor: try f.double("div_factor", 25),
            finalDivFactor: try f.double("final_div_factor", 1e4), threePhase: try f.bool("three_phase", false),
            cycleMomentum: try f.bool("cycle_momentum", true), baseMomentum: try f.double("base_momentum", 0.85),
            maxMomentum: try f.double("max_momentum", 0.95)))
    }

    /// `mode` follows `monitor` (val_loss by default; max for val_accuracy); a mode against the
    /// monitor's direction is an error, as it would cut the LR every `patience` epochs.
    private static func readPlateau(_ f: inout Fields) throws(ConfigError) -> ScheduleSpec {
        let monitor = try f.choice("monitor", ReduceOnPlateau.Monitor.valLoss)
        let mode = try f.choice("mode", monitor.naturalMode)
        if mode != monitor.naturalMode {
            let what = monitor == .valAccuracy ? "an accuracy rises" : "a loss falls"
            throw ConfigError(f.reader.node("mode"), path: f.reader.path("mode"),
                              "must be \"\(monitor.naturalMode.rawValue)\" for monitor \"\(monitor.rawValue)\" (\(what) as "
                                + "training improves; mode \"\(mode.rawValue)\" would cut the LR every patience epochs), "
                                + "got \"\(mode.rawValue)\"")
        }
        return .plateau(ReduceOnPlateau.Parameters(
            lr: try f.lr(), mode: mode, factor: try f.double("factor", 0.1),
            patience: try f.int("patience", 10), threshold: try f.double("threshold", 1e-4),
            thresholdMode: try f.choice("threshold_mode", .rel), cooldown: try f.int("cooldown", 0),
            minLR: try f.double("min_lr", 0), eps: try f.double("eps", 1e-8), monitor: monitor))
    }

    /// Inner schedules take the sequence's `lr` and, as run length, their segment's length.
    private static func readSequence(_ f: inout Fields) throws(ConfigError) -> ScheduleSpec {
        let lr = try f.reader.double("lr") ?? f.defaults.lr
        let milestones = try f.ints("milestones")
        let listNode = try f.reader.required("schedules")
        guard case .array(let elements) = listNode.value else {
            throw ConfigError(listNode, path: f.reader.path("schedules"),
                              "expected an array of schedule objects, got \(ObjectReader.describe(listNode.value))")
        }
        var schedules: [ScheduleSpec] = []
        for (i, element) in elements.enumerated() {
            let start = i == 0 ? 0 : (i - 1 < milestones.count ? milestones[i - 1] : nil)
            let end = i < milestones.count ? milestones[i] : f.defaults.totalSteps
            var length: Int? = nil
            if let start, let end, end > start { length = end - start }
            schedules.append(try parse(element, path: "\(f.reader.path("schedules"))[\(i)]",
                                       defaults: ScheduleDefaults(lr: lr, totalSteps: length,
                                                                    baseDirectory: f.defaults.baseDirectory),
                                       nested: true))
        }
        return .sequence(schedules: schedules, milestones: milestones)
    }

    /// The inner schedule takes the warmup's `lr` and, as run length, the steps after the warmup.
    private static func readWarmup(_ f: inout Fields) throws(ConfigError) -> ScheduleSpec {
        let lr = try f.reader.double("lr") ?? f.defaults.lr
        let steps = try f.int("warmup_steps")
        let startFactor = try f.double("start_factor", 1.0 / 3)
        let inner = try f.reader.required("schedule")
        let rest = f.defaults.totalSteps.map { $0 - max(0, steps) }.flatMap { $0 > 0 ? $0 : nil }
        let defaults = ScheduleDefaults(lr: lr, totalSteps: rest, baseDirectory: f.defaults.baseDirectory)
        let base = try parse(inner, path: f.reader.path("schedule"), defaults: defaults, nested: true)
        return .warmup(schedule: base, warmupSteps: steps, startFactor: startFactor)
    }

    /// `stable_steps`, or `total_steps − warmup_steps − decay_steps` (total from the defaults).
    private static func readWSD(_ f: inout Fields) throws(ConfigError) -> ScheduleSpec {
        let lr = try f.lr()
        let warmup = try f.int("warmup_steps", 0)
        let decay = try f.int("decay_steps")
        var stable: Int
        if let s = try f.optionalInt("stable_steps") {
            stable = s
            if let total = try f.optionalInt("total_steps"), total != warmup + s + decay {
                throw ConfigError(f.reader.node("total_steps"), path: f.reader.path("total_steps"),
                                  "is \(total), but warmup_steps + stable_steps + decay_steps = \(warmup + s + decay)")
            }
        } else {
            let total = try f.length("total_steps")
            stable = total - warmup - decay
            if stable < 0 {
                throw ConfigError(f.reader.has("total_steps") ? f.reader.node("total_steps") : f.reader.node,
                                  path: f.reader.path("total_steps"),
                                  "must be >= warmup_steps + decay_steps (\(warmup + decay)), got \(total)")
            }
        }
        return .wsd(WarmupStableDecay.Parameters(
            lr: lr, warmupSteps: warmup, stableSteps: stable, decaySteps: decay,
            warmupType: try f.choice("warmup_type", .linear), decayType: try f.choice("decay_type", .cosine),
            minLRRatio: try f.double("min_lr_ratio", 0), numCycles: try f.double("num_cycles", 0.5)))
    }
}
