// ScheduleParser: every family read and written back, defaults, and the exact located errors.

import JSON5
import LRSchedules
import Search
import Testing

@Suite struct ScheduleParserTests {
    func parse(_ text: String, path: String = "", _ defaults: ScheduleDefaults = .init()) throws -> ScheduleSpec {
        try ScheduleParser.parse(JSON5Parser.parse(text), path: path, defaults: defaults)
    }

    /// The ConfigError parsing `text` raises.
    func failure(_ text: String, path: String = "", _ defaults: ScheduleDefaults = .init()) -> ConfigError? {
        do {
            _ = try parse(text, path: path, defaults)
            return nil
        } catch let error as ConfigError {
            return error
        } catch {
            return nil
        }
    }

    static let everyFamily: [ScheduleSpec] = [
        .constant(lr: 0.1, factor: 0.5, totalIters: 4),
        .step(lr: 0.1, stepSize: 30, gamma: 0.1),
        .boundedStep(lr: 0.1, finalLR: 1e-4, updates: 10_000, totalSteps: 1_000_000),
        .multistep(lr: 0.05, milestones: [80, 30, 30], gamma: 0.1),
        .exponential(lr: 0.1, gamma: 0.99),
        .polynomial(lr: 0.1, totalIters: 50, power: 0.9),
        .linear(lr: 0.1, startFactor: 0.25, endFactor: 1, totalIters: 5),
        .cosine(lr: 0.1, tMax: 30, etaMin: 1e-5),
        .sgdr(lr: 0.1, t0: 10, tMult: 2, etaMin: 0),
        .cyclic(.init(baseLR: 0.001, maxLR: 0.006, stepSizeUp: 2000)),
        .cyclic(.init(baseLR: 0.001, maxLR: 0.006, stepSizeUp: 20, stepSizeDown: 60, mode: .expRange, gamma: 0.99,
                      cycleMomentum: false)),
        .onecycle(.init(maxLR: 1, totalSteps: 100, pctStart: 0.25, annealStrategy: .linear, threePhase: true)),
        .plateau(.init(lr: 0.1, mode: .max, factor: 0.5, patience: 3, threshold: 0.01, thresholdMode: .abs, cooldown: 2,
                       minLR: 1e-4, eps: 1e-9, monitor: .valAccuracy)),
        .plateau(.init(lr: 0.1, factor: 0.5, patience: 3, monitor: .trainLoss)),
        .sequence(schedules: [.linear(lr: 0.1, startFactor: 0.1, endFactor: 1, totalIters: 10),
                              .cosine(lr: 0.1, tMax: 90, etaMin: 0)], milestones: [10]),
        .warmup(schedule: .step(lr: 0.1, stepSize: 5, gamma: 0.5), warmupSteps: 5, startFactor: 0.1),
        .inverseSqrt(lr: 0.1, warmupSteps: 100, timescale: nil),
        .inverseSqrt(lr: 0.1, warmupSteps: 20, timescale: 50),
        .wsd(.init(lr: 0.1, warmupSteps: 10, stableSteps: 80, decaySteps: 10, warmupType: .cosine,
                   decayType: .oneMinusSqrt, minLRRatio: 0.1, numCycles: 0.5)),
        .logAnnealing(lr: 0.1, tMax: 50, etaMin: 0.001),
        .explr(lr: 0.1, weightDecay: 5e-4, momentum: 0.9),
        .equivalentExplr(of: .step(lr: 0.1, stepSize: 100, gamma: 0.1), weightDecay: 5e-4, momentum: 0.9),
        .texp(of: .multistep(lr: 0.1, milestones: [100, 200], gamma: 0.1), weightDecay: 1e-4, momentum: 0),
        .exponentialRate(lr: 0.1, decayRate: 0.96, decaySteps: 100_000, staircase: true),
        .exponentialRate(lr: 0.1, decayRate: 0.5, decaySteps: 10, staircase: false),
        .exponentialToFinal(lr: 0.1, finalLR: 1e-3, totalSteps: 50),
        .inverseTime(lr: 0.1, decayRate: 0.5, decaySteps: 10, staircase: true),
        .stepDrop(lr: 0.1, drop: 0.5, epochsDrop: 10),
        .piecewise(boundaries: [100, 200], values: [0.1, 0.01, 0.001]),
        .table(lrs: [0.1, 0.05, 0.025], csv: nil),
    ]

    @Test(arguments: everyFamily)
    func writingAndReadingBackGivesTheSameSpec(_ spec: ScheduleSpec) throws {
        let text = JSONWriter.compact(ScheduleParser.json(spec))
        #expect(try parse(text) == spec, "\(text)")
    }

    /// Found by the fuzz sweep (seed 7): a step count of 2^63 − 1 overflowed `warmup_steps + decay_steps`
    /// in wsd's message (SIGILL), and an unknown family of a million characters was echoed whole.
    @Test func stepCountsAreBoundedAndUnknownFamiliesAreCut() throws {
        #expect(throws: ConfigError(path: "decay_steps", location: SourceLocation(line: 1, column: 57),
                                    message: "must be within ±2^53 (9007199254740992) steps, got 9223372036854775807")) {
            try parse(#"{ family: "wsd", lr: 0.1, warmup_steps: 5, decay_steps: 0x7FFFFFFFFFFFFFFF, total_steps: 50 }"#)
        }
        #expect(throws: ConfigError(path: "stable_steps", location: SourceLocation(line: 1, column: 41),
                                    message: "must be within ±2^53 (9007199254740992) steps, got -9223372036854775807")) {
            try parse(#"{ family: "wsd", lr: 0.1, stable_steps: -9223372036854775807, decay_steps: 5 }"#)
        }
        let name = String(repeating: "a", count: 1_000_000)
        do {
            _ = try parse("{ family: \"\(name)\" }")
            Issue.record("an unknown family was accepted")
        } catch let error as ConfigError {
            #expect(error.message.hasPrefix("unknown family \"\(String(repeating: "a", count: 60))\"… (1000000 characters); valid families: constant,"))
            #expect(error.message.utf8.count < 1000)
        }
        // The same for an unknown dataset name (found by the same sweep, in a spec's task.dataset).
        do {
            _ = try TrialConfig.parseTask(JSON5Parser.parse("{ task: { dataset: \"\(String(repeating: "é", count: 100_000))\" } }"))
            Issue.record("an unknown dataset was accepted")
        } catch let error as ConfigError {
            #expect(error.message.hasPrefix("unknown dataset \"\(String(repeating: "é", count: 60))\"… (100000 characters); built-ins: "))
        }
    }

    @Test func everyFamilyIsCoveredByTheRoundTrip() {
        #expect(Set(Self.everyFamily.map(\.family)) == Set(ScheduleFamily.allCases))
    }

    @Test func pytorchDefaultsAndRunLengthDefaults() throws {
        let d = ScheduleDefaults(lr: 0.3, totalSteps: 100)
        #expect(try parse(#"{ family: "cosine" }"#, d) == .cosine(lr: 0.3, tMax: 100, etaMin: 0))
        #expect(try parse(#"{ family: "step", step_size: 30 }"#, d) == .step(lr: 0.3, stepSize: 30, gamma: 0.1))
        #expect(try parse(#"{ family: "onecycle" }"#, d) == .onecycle(.init(maxLR: 0.3, totalSteps: 100)))
        #expect(try parse(#"{ family: "cyclic", max_lr: 1 }"#, d) == .cyclic(.init(baseLR: 0.3, maxLR: 1)))
        #expect(try parse(#"{ family: "constant", lr: 0.1 }"#) == .constant(lr: 0.1, factor: 1, totalIters: 5))
        #expect(try parse(#"{ family: "wsd", warmup_steps: 10, decay_steps: 20 }"#, d)
                == .wsd(.init(lr: 0.3, warmupSteps: 10, stableSteps: 70, decaySteps: 20)))
        #expect(try parse(#"{ family: "step", final_lr: 0.003, updates: 2 }"#, d)
                == .boundedStep(lr: 0.3, finalLR: 0.003, updates: 2, totalSteps: 100))
    }

    @Test func nestedSchedulesInheritLRAndTheirSegmentLength() throws {
        let seq = try parse(#"""
            { family: "sequence", lr: 0.2, milestones: [10, 40],
              schedules: [{ family: "linear", start_factor: 0.1, total_iters: 10 },
                          { family: "cosine" }, { family: "cosine", lr: 0.05 }] }
            """#, ScheduleDefaults(totalSteps: 100))
        #expect(seq == .sequence(schedules: [.linear(lr: 0.2, startFactor: 0.1, endFactor: 1, totalIters: 10),
                                             .cosine(lr: 0.2, tMax: 30, etaMin: 0), .cosine(lr: 0.05, tMax: 60, etaMin: 0)],
                                 milestones: [10, 40]))
        let warm = try parse(#"{ family: "warmup", warmup_steps: 5, schedule: { family: "cosine" } }"#,
                             ScheduleDefaults(lr: 0.1, totalSteps: 100))
        #expect(warm == .warmup(schedule: .cosine(lr: 0.1, tMax: 95, etaMin: 0), warmupSteps: 5, startFactor: 1.0 / 3))
    }

    @Test func conversionsTakeTheOptimizersWeightDecayAndMomentum() throws {
        let d = ScheduleDefaults(lr: 0.1, totalSteps: 300, weightDecay: 5e-4, momentum: 0.9)
        #expect(try parse(#"{ family: "explr" }"#, d) == .explr(lr: 0.1, weightDecay: 5e-4, momentum: 0.9))
        #expect(try parse(#"{ family: "explr", weight_decay: 1e-3, momentum: 0 }"#, d)
                == .explr(lr: 0.1, weightDecay: 1e-3, momentum: 0))
        // λnew = λ·lr: 5e-5 at lr 0.1 is λ = 5e-4 (up to the division's rounding).
        let fromNew = try parse(#"{ family: "explr", lambda_new: 5e-5 }"#, d)
        #expect(fromNew == .explr(lr: 0.1, weightDecay: 5e-5 / 0.1, momentum: 0.9))
        #expect(try parse(#"{ family: "explr" }"#, ScheduleDefaults(lr: 0.2, lambdaNew: 1e-4, momentum: 0))
                == .explr(lr: 0.2, weightDecay: 1e-4 / 0.2, momentum: 0))
        // `of` takes the conversion's lr and the run length; λnew divides by of's initial LR.
        #expect(try parse(#"{ family: "equivalent_explr", lr: 0.2, of: { family: "cosine" } }"#, d)
                == .equivalentExplr(of: .cosine(lr: 0.2, tMax: 300, etaMin: 0), weightDecay: 5e-4, momentum: 0.9))
        #expect(try parse(#"{ family: "texp", lambda_new: 1e-5, of: { family: "step", lr: 0.05, step_size: 100 } }"#, d)
                == .texp(of: .step(lr: 0.05, stepSize: 100, gamma: 0.1), weightDecay: 1e-5 / 0.05, momentum: 0.9))
    }

    @Test func conversionErrorsAreLocated() {
        #expect(failure(#"{ family: "explr", lr: 0.1 }"#)
                == ConfigError(path: "momentum", location: SourceLocation(line: 1, column: 1), message: "is required but missing"))
        let d = ScheduleDefaults(lr: 0.1, weightDecay: 5e-4, momentum: 0.9)
        #expect(failure(#"{ family: "explr", weight_decay: 1e-3, lambda_new: 1e-4 }"#, d) == ConfigError(
            path: "lambda_new", location: SourceLocation(line: 1, column: 52),
            message: "cannot be combined with weight_decay: give λ (weight_decay) or λnew = λ·lr (lambda_new)"))
        #expect(failure(#"{ family: "explr", weight_decay: -1 }"#, d)
                == ConfigError(path: "weight_decay", location: SourceLocation(line: 1, column: 34), message: "must be >= 0, got -1"))
        #expect(failure(#"{ family: "equivalent_explr", of: { family: "plateau" } }"#, d)?.path == "of.family")
        #expect(failure(#"{ family: "sequence", milestones: [5], schedules: [{ family: "explr" }, { family: "constant" }] }"#,
                        d) == ConfigError(path: "schedules[0].family", location: SourceLocation(line: 1, column: 62),
                                          message: "explr cannot be nested: it converts a whole run and sets the initial "
                                            + "momentum buffer, so it stands at the top (nest other schedules in its `of`)"))
    }

    @Test func unknownFamilyListsTheValidOnes() {
        #expect(failure(#"{ family: "cosin" }"#) == ConfigError(
            path: "family", location: SourceLocation(line: 1, column: 11),
            message: "unknown family \"cosin\" (did you mean 'cosine'?); valid families: constant, step, multistep, "
                + "exponential, polynomial, linear, cosine, sgdr, cyclic, onecycle, plateau, sequence, warmup, "
                + "inverse_sqrt, wsd, log_annealing, explr, equivalent_explr, texp, inverse_time, piecewise, table"))
        #expect(failure(#"{ lr: 0.1 }"#)?.message == "is required but missing")
    }

    @Test func unknownKeySuggestsTheClosest() {
        #expect(failure(#"{ family: "cosine", lr: 0.1, tmax: 3 }"#) == ConfigError(
            path: "", location: SourceLocation(line: 1, column: 30), message: "unknown key 'tmax' (did you mean 't_max'?)"))
    }

    @Test func wrongTypesSayWhatWasExpected() {
        #expect(failure(#"{ family: "cosine", lr: 0.1, t_max: "ten" }"#) == ConfigError(
            path: "t_max", location: SourceLocation(line: 1, column: 37), message: "expected an integer, got \"ten\""))
        #expect(failure(#"{ family: "cyclic", base_lr: 0.1, max_lr: 1, mode: "tri" }"#)?.message
                == "expected one of triangular, triangular2, exp_range, got \"tri\" (did you mean 'triangular'?)")
        #expect(failure(#"{ family: 3 }"#)?.message == "expected a family name (a string), got 3")
    }

    @Test func rangeErrorPointsAtTheValue() {
        #expect(failure(#"{ family: "cosine", lr: 0.1, t_max: -3 }"#, path: "schedules[2]") == ConfigError(
            path: "schedules[2].t_max", location: SourceLocation(line: 1, column: 37),
            message: "must be a positive integer, got -3"))
        #expect(failure(#"{ family: "onecycle", max_lr: 1, total_steps: 100, pct_start: 1.5 }"#) == ConfigError(
            path: "pct_start", location: SourceLocation(line: 1, column: 63), message: "must be in (0, 1), got 1.5"))
        #expect(failure(#"{ family: "multistep", lr: 0.1, milestones: [5, -2] }"#) == ConfigError(
            path: "milestones[1]", location: SourceLocation(line: 1, column: 49), message: "must be an integer >= 0, got -2"))
    }

    @Test func nestedErrorsCarryTheirPlace() {
        let text = """
            { family: "sequence", lr: 0.1, milestones: [5],
              schedules: [{ family: "cosine", t_max: 5 }, { family: "cosine", t_max: 0 }] }
            """
        #expect(failure(text, path: "schedules[0]") == ConfigError(
            path: "schedules[0].schedules[1].t_max", location: SourceLocation(line: 2, column: 74),
            message: "must be a positive integer, got 0"))
        let plateau = #"{ family: "sequence", lr: 0.1, milestones: [5], schedules: [{ family: "cosine", t_max: 5 }, { family: "plateau" }] }"#
        #expect(failure(plateau) == ConfigError(
            path: "schedules[1].family", location: SourceLocation(line: 1, column: 103),
            message: "must be a pure schedule here (plateau needs a metric and cannot be nested), got \"plateau\""))
    }

    @Test func stepVariantsDoNotMix() {
        #expect(failure(#"{ family: "step", lr: 0.1, step_size: 3, final_lr: 0.01, updates: 2, total_steps: 10 }"#)
                == ConfigError(path: "step_size", location: SourceLocation(line: 1, column: 39),
                               message: "cannot be combined with final_lr: bounded step decay derives step_size and gamma "
                                   + "from lr, final_lr, updates and total_steps"))
        #expect(failure(#"{ family: "step", lr: 0.1, final_lr: 0.2, updates: 2, total_steps: 10 }"#)?.message
                == "must be <= lr (0.1), got 0.2")
    }

    @Test func wsdLengthsMustAddUp() {
        #expect(failure(#"{ family: "wsd", lr: 0.1, warmup_steps: 10, stable_steps: 10, decay_steps: 10, total_steps: 40 }"#)?
            .message == "is 40, but warmup_steps + stable_steps + decay_steps = 30")
        #expect(failure(#"{ family: "wsd", lr: 0.1, warmup_steps: 10, decay_steps: 10, total_steps: 15 }"#)?.message
                == "must be >= warmup_steps + decay_steps (20), got 15")
    }
}
