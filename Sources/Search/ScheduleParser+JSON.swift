// Writes a ScheduleSpec back as the schedule object it was read from: parse(json(spec)) == spec.

import JSON5
import LRSchedules

extension ScheduleParser {
    /// The schedule object for `spec`, every parameter written out (`family` first, then the
    /// family's keys in ``keys(for:)`` order), so reading it back needs no defaults.
    public static func json(_ spec: ScheduleSpec) -> JSONValue {
        var members: [(String, JSONValue)] = [("family", .string(spec.family.rawValue))]
        members += parameters(spec)
        return .object(members.map { JSONMember(key: $0.0, value: JSONNode($0.1)) })
    }

    private static func num(_ x: Double) -> JSONValue { .number(x) }
    private static func int(_ n: Int) -> JSONValue { .number(Double(n)) }

    private static func parameters(_ spec: ScheduleSpec) -> [(String, JSONValue)] {
        switch spec {
        case let .constant(lr, factor, totalIters):
            return [("lr", num(lr)), ("factor", num(factor)), ("total_iters", int(totalIters))]
        case let .step(lr, stepSize, gamma):
            return [("lr", num(lr)), ("step_size", int(stepSize)), ("gamma", num(gamma))]
        case let .boundedStep(lr, finalLR, updates, totalSteps):
            return [("lr", num(lr)), ("final_lr", num(finalLR)), ("updates", int(updates)),
                    ("total_steps", int(totalSteps))]
        case let .multistep(lr, milestones, gamma):
            return [("lr", num(lr)), ("milestones", .array(milestones.map { JSONNode(int($0)) })), ("gamma", num(gamma))]
        case let .exponential(lr, gamma):
            return [("lr", num(lr)), ("gamma", num(gamma))]
        case let .polynomial(lr, totalIters, power):
            return [("lr", num(lr)), ("total_iters", int(totalIters)), ("power", num(power))]
        case let .linear(lr, startFactor, endFactor, totalIters):
            return [("lr", num(lr)), ("start_factor", num(startFactor)), ("end_factor", num(endFactor)),
                    ("total_iters", int(totalIters))]
        case let .cosine(lr, tMax, etaMin), let .logAnnealing(lr, tMax, etaMin):
            return [("lr", num(lr)), ("t_max", int(tMax)), ("eta_min", num(etaMin))]
        case let .sgdr(lr, t0, tMult, etaMin):
            return [("lr", num(lr)), ("t_0", int(t0)), ("t_mult", int(tMult)), ("eta_min", num(etaMin))]
        case .cyclic(let p): return cyclic(p)
        case .onecycle(let p): return onecycle(p)
        case .plateau(let p): return plateau(p)
        case let .sequence(schedules, milestones):
            return [("schedules", .array(schedules.map { JSONNode(json($0)) })),
                    ("milestones", .array(milestones.map { JSONNode(int($0)) }))]
        case let .warmup(schedule, warmupSteps, startFactor):
            return [("warmup_steps", int(warmupSteps)), ("start_factor", num(startFactor)), ("schedule", json(schedule))]
        case let .inverseSqrt(lr, warmupSteps, timescale):
            return [("lr", num(lr)), ("warmup_steps", int(warmupSteps))] + (timescale.map { [("timescale", int($0))] } ?? [])
        case .wsd(let p): return wsd(p)
        case let .explr(lr, weightDecay, momentum):
            return [("lr", num(lr)), ("weight_decay", num(weightDecay)), ("momentum", num(momentum))]
        case let .equivalentExplr(of, weightDecay, momentum), let .texp(of, weightDecay, momentum):
            return [("of", json(of)), ("weight_decay", num(weightDecay)), ("momentum", num(momentum))]
        case let .exponentialRate(lr, decayRate, decaySteps, staircase), let .inverseTime(lr, decayRate, decaySteps, staircase):
            return [("lr", num(lr)), ("decay_rate", num(decayRate)), ("decay_steps", int(decaySteps)),
                    ("staircase", .bool(staircase))]
        case let .exponentialToFinal(lr, finalLR, totalSteps):
            return [("lr", num(lr)), ("final_lr", num(finalLR)), ("total_steps", int(totalSteps))]
        case let .stepDrop(lr, drop, epochsDrop):
            return [("lr", num(lr)), ("drop", num(drop)), ("epochs_drop", int(epochsDrop))]
        case let .piecewise(boundaries, values):
            return [("boundaries", .array(boundaries.map { JSONNode(int($0)) })),
                    ("values", .array(values.map { JSONNode(num($0)) }))]
        case let .table(lrs, csv):
            if let csv { return [("csv", .string(csv))] }
            return [("lrs", .array(lrs.map { JSONNode(num($0)) }))]
        }
    }

    private static func cyclic(_ p: CyclicSchedule.Parameters) -> [(String, JSONValue)] {
        [("base_lr", num(p.baseLR)), ("max_lr", num(p.maxLR)), ("step_size_up", int(p.stepSizeUp))]
            + (p.stepSizeDown.map { [("step_size_down", int($0))] } ?? [])
            + [("mode", .string(p.mode.rawValue)), ("gamma", num(p.gamma)), ("cycle_momentum", .bool(p.cycleMomentum)),
               ("base_momentum", num(p.baseMomentum)), ("max_momentum", num(p.maxMomentum))]
    }

    private static func onecycle(_ p: OneCycle.Parameters) -> [(String, JSONValue)] {
        [("max_lr", num(p.maxLR)), ("total_steps", int(p.totalSteps)), ("pct_start", num(p.pctStart)),
         ("anneal_strategy", .string(p.annealStrategy.rawValue)), ("div_factor", num(p.divFactor)),
         ("final_div_factor", num(p.finalDivFactor)), ("three_phase", .bool(p.threePhase)),
         ("cycle_momentum", .bool(p.cycleMomentum)), ("base_momentum", num(p.baseMomentum)),
         ("max_momentum", num(p.maxMomentum))]
    }

    private static func plateau(_ p: ReduceOnPlateau.Parameters) -> [(String, JSONValue)] {
        [("lr", num(p.lr)), ("monitor", .string(p.monitor.rawValue)), ("mode", .string(p.mode.rawValue)), ("factor", num(p.factor)), ("patience", int(p.patience)),
         ("threshold", num(p.threshold)), ("threshold_mode", .string(p.thresholdMode.rawValue)),
         ("cooldown", int(p.cooldown)), ("min_lr", num(p.minLR)), ("eps", num(p.eps))]
    }

    private static func wsd(_ p: WarmupStableDecay.Parameters) -> [(String, JSONValue)] {
        [("lr", num(p.lr)), ("warmup_steps", int(p.warmupSteps)), ("stable_steps", int(p.stableSteps)),
         ("decay_steps", int(p.decaySteps)), ("warmup_type", .string(p.warmupType.rawValue)),
         ("decay_type", .string(p.decayType.rawValue)), ("min_lr_ratio", num(p.minLRRatio)),
         ("num_cycles", num(p.numCycles))]
    }
}
