// `lr: { auto: true, span }`: parsing with located errors, the range, and resume without a second range test.

import Foundation
import JSON5
@testable import Search
import TestSupport
import Testing

@Suite struct AutoLRTests {
    static func spec(lr: String) -> String {
        """
        { name: "auto", seed: 3, trials: 4,
          task: { dataset: "iris", model: { hidden: [8] }, epochs: 2, batch_size: 16 },
          optimizer: { kind: "sgd", momentum: 0.9 },
          lr: \(lr),
          schedules: [{ family: "cosine" }, { family: "constant" }] }
        """
    }

    @Test func autoDefaultsToSpanTen() throws {
        let spec = try parseSpec(Self.spec(lr: "{ auto: true }"))
        #expect(spec.lrAuto?.span == 10)
        #expect(spec.lrAuto?.location == SourceLocation(line: 4, column: 7))
        #expect(spec.lrRange == nil)
        // the placeholder keeps one sampled lr parameter, so the space counts as it will run
        #expect(spec.lr.parameters.count == 1)
        #expect(try parseSpec(Self.spec(lr: "{ auto: true, span: 4 }")).lrAuto?.span == 4)
    }

    @Test func spanMustExceedOneAndIsLocated() {
        #expect(specErrors(Self.spec(lr: "{ auto: true, span: 1 }")) == ["s.json5:4:27: lr.span: must be a number > 1, got 1"])
        #expect(specErrors(Self.spec(lr: "{ auto: true, span: 0.5 }")) == ["s.json5:4:27: lr.span: must be a number > 1, got 0.5"])
    }

    @Test func unknownKeysAndAutoFalseAreErrors() {
        #expect(specErrors(Self.spec(lr: "{ auto: true, spam: 10 }"))
                == ["s.json5:4:21: lr: unknown key 'spam' (did you mean 'span'?)"])
        #expect(specErrors(Self.spec(lr: "{ auto: false }"))
                == ["s.json5:4:15: lr.auto: must be true; for a fixed or sampled LR write a number or a distribution"])
    }

    @Test func rangeIsOneSpanWideAroundTheValley() throws {
        let range = AutoLRRange(valley: 3.2e-3, span: 10)
        // derivation: 3.2e-3 / √10 = 1.0119e-3, 3.2e-3 · √10 = 1.0119e-2
        expectClose(range.low, 1.0119288512538813e-3, relative: 1e-12)
        expectClose(range.high, 1.0119288512538813e-2, relative: 1e-12)
        #expect(range.summary == "lr auto: range test valley 3.2e-03 → lr ~ loguniform[1.0e-03, 1.0e-02]")
        #expect(AutoLRRange(json: range.json) == range)
        #expect(AutoLRRange(json: ["valley": 0.1, "span": 1]) == nil)

        let resolved = try parseSpec(Self.spec(lr: "{ auto: true }")).resolvingAutoLR(range)
        #expect(resolved.lr.parameters.map(\.distribution) == [.logUniform(range.low, range.high)])
        #expect(resolved.lrRange == range)
    }

    @Test func rangeTestConfigTakesTheMedianOfEachRange() throws {
        let spec = try parseSpec("""
            { task: { dataset: "iris", batch_size: { choice: [8, 16, 32] } },
              optimizer: { momentum: { uniform: [0.8, 1.0] } }, lr: { auto: true },
              schedules: [{ family: "step", step_size: { int: [1, 5] } }] }
            """)
        let node = spec.rangeTestConfig
        #expect(node.value["task"]?.value["batch_size"]?.value == .number(16))
        guard case .number(let momentum)? = node.value["optimizer"]?.value["momentum"]?.value else {
            Issue.record("no momentum in \(node.value)")
            return
        }
        expectClose(momentum, 0.9, relative: 1e-12)  // derivation: 0.8 + 0.2 · 0.5
    }

    @Test func aResumedSearchReusesTheJournaledRangeWithoutTesting() throws {
        let spec = try parseSpec(Self.spec(lr: "{ auto: true }"))
        let dir = temporaryDirectory()
        var options = RunOptions(jobs: 1, outDir: dir)
        var tests = 0
        // The first session (and with it the folder's run lock) ends with this closure.
        let (range, config1) = try { () throws -> (AutoLRRange, JSONNode) in
            let resolved = try AutoLRRange.resolve(spec, options: options) { s throws(ConfigError) in
                tests += 1
                return try s.findAutoLRRange(data: DataCache())
            }
            let first = try SearchSession(spec: resolved, options: options)
            let range = try #require(first.spec.lrRange)
            let (config0, seed0, _) = first.config(for: TrialID(index: 0, repeat: 0))
            try first.record(TrialRecord(id: TrialID(index: 0, repeat: 0), seed: seed0, sampled: config0.value,
                                         family: try TrialRecord.family(of: config0), state: .ok,
                                         epochs: [], seconds: 0))
            return (range, first.config(for: TrialID(index: 1, repeat: 0)).config)
        }()
        #expect(tests == 1)
        // iris, SGD 0.9: fastai's valley lies well inside the ramp [1e-7, 10)
        #expect(range.valley > 1e-5 && range.valley < 1, "valley \(range.valley)")

        options.resume = true
        let second = try SearchSession(spec: try AutoLRRange.resolve(spec, options: options) { _ throws(ConfigError) in
            tests += 1
            throw ConfigError(path: "lr", location: nil, message: "the range test must not run again")
        }, options: options)
        #expect(tests == 1)
        #expect(second.spec.lrRange == range)
        #expect(second.config(for: TrialID(index: 1, repeat: 0)).config == config1)
        #expect(second.pending.count == 3)
    }

    /// The session replays and hands out trials; resolving the range is the step before it.
    @Test func aSessionRefusesAnUnresolvedAutoLRAndABusyFolderIsRefusedBeforeTheTest() throws {
        let spec = try parseSpec(Self.spec(lr: "{ auto: true }"))
        let dir = temporaryDirectory()
        #expect(throws: SessionError.config(ConfigError(path: "lr", location: spec.lrAuto?.location,
                                                        message: "is { auto: true }, but its range was not resolved (AutoLRRange.resolve)"))) {
            try SearchSession(spec: spec, options: RunOptions(jobs: 1, outDir: dir))
        }
        let held = try RunLock(folder: dir)
        var tests = 0
        #expect(throws: SessionError.self) {
            try AutoLRRange.resolve(spec, options: RunOptions(jobs: 1, outDir: dir)) { _ throws(ConfigError) in
                tests += 1
                return AutoLRRange(valley: 0.1, span: 10)
            }
        }
        #expect(tests == 0)
        withExtendedLifetime(held) {}
        // A spec without an auto lr passes through unchanged, and nothing is locked or tested.
        let fixed = try parseSpec(Self.spec(lr: "0.1"))
        #expect(try AutoLRRange.resolve(fixed, options: RunOptions(jobs: 1, outDir: dir)) { _ throws(ConfigError) in
            tests += 1
            return AutoLRRange(valley: 0.1, span: 10)
        } == fixed)
        #expect(tests == 0)
    }

    @Test func theRangeTestIsDeterministic() throws {
        let spec = try parseSpec(Self.spec(lr: "{ auto: true }"))
        let a = try spec.findAutoLRRange(data: DataCache())
        let b = try spec.findAutoLRRange(data: DataCache())
        #expect(a == b)
    }
}
