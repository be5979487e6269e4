// The seeds' schedule forms in spec objects: TF/Keras keys, one form per object, tables inline and from
// CSV files with file:line:column errors, plateau's monitor and mode, and a schedule entry's own unit.

import Foundation
import JSON5
import LRSchedules
import Search
import Testing
import Trainer

@Suite struct SeedScheduleParserTests {
    func parse(_ text: String, _ defaults: ScheduleDefaults = .init()) throws -> ScheduleSpec {
        try ScheduleParser.parse(JSON5Parser.parse(text), path: "", defaults: defaults)
    }

    func failure(_ text: String, _ defaults: ScheduleDefaults = .init()) -> String? {
        do {
            _ = try parse(text, defaults)
            return nil
        } catch {
            return "\(error)"
        }
    }

    func temporaryFile(_ name: String, _ text: String) throws -> (folder: String, path: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lrsearch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (folder.path, path)
    }

    @Test func tensorflowAndKerasFormsAndTheirDefaults() throws {
        let d = ScheduleDefaults(lr: 0.3, totalSteps: 40)
        #expect(try parse(#"{ family: "exponential", lr: 0.1, decay_rate: 0.96, decay_steps: 100000, staircase: true }"#)
                == .exponentialRate(lr: 0.1, decayRate: 0.96, decaySteps: 100_000, staircase: true))
        #expect(try parse(#"{ family: "exponential", decay_rate: 0.5, decay_steps: 10 }"#, d)
                == .exponentialRate(lr: 0.3, decayRate: 0.5, decaySteps: 10, staircase: false))
        #expect(try parse(#"{ family: "exponential", final_lr: 0.003 }"#, d)
                == .exponentialToFinal(lr: 0.3, finalLR: 0.003, totalSteps: 40))
        #expect(try parse(#"{ family: "inverse_time", decay: 1e-4 }"#, d)
                == .inverseTime(lr: 0.3, decayRate: 1e-4, decaySteps: 1, staircase: false))
        #expect(try parse(#"{ family: "inverse_time", decay_rate: 0.5, decay_steps: 10, staircase: true }"#, d)
                == .inverseTime(lr: 0.3, decayRate: 0.5, decaySteps: 10, staircase: true))
        #expect(try parse(#"{ family: "step", drop: 0.5, epochs_drop: 10 }"#, d) == .stepDrop(lr: 0.3, drop: 0.5, epochsDrop: 10))
        #expect(try parse(#"{ family: "piecewise", boundaries: [10, 20], values: [0.1, 0.01, 0.001] }"#, d)
                == .piecewise(boundaries: [10, 20], values: [0.1, 0.01, 0.001]))
        #expect(try parse(#"{ family: "table", lrs: [0.1, 0.05] }"#, d) == .table(lrs: [0.1, 0.05], csv: nil))
    }

    @Test func oneFormPerObjectWithLocatedErrors() {
        #expect(failure(#"{ family: "exponential", lr: 0.1, gamma: 0.9, decay_rate: 0.5, decay_steps: 3 }"#)
                == "1:42: gamma: cannot be combined with decay_rate: the object uses the decay_rate form (TensorFlow ExponentialDecay)")
        #expect(failure(#"{ family: "exponential", lr: 0.1, decay_rate: 0.5 }"#) == "1:1: decay_steps: is required but missing")
        #expect(failure(#"{ family: "exponential", lr: 0.1, decay_rate: 0.5, decay_steps: 0 }"#)
                == "1:65: decay_steps: must be a positive integer, got 0")
        #expect(failure(#"{ family: "exponential", lr: 0.1, final_lr: 0.01 }"#)
                == "1:1: total_steps: is required but missing")
        #expect(failure(#"{ family: "inverse_time", lr: 0.1, decay: 0.1, decay_steps: 3 }"#)
                == "1:61: decay_steps: cannot be combined with decay: the object uses the Keras form lr / (1 + decay·t)")
        #expect(failure(#"{ family: "inverse_time", lr: 0.1, decay_rate: -1 }"#) == "1:48: decay_rate: must be >= 0, got -1")
        #expect(failure(#"{ family: "step", lr: 0.1, drop: 0.5, epochs_drop: 10, gamma: 0.1 }"#)
                == "1:63: gamma: cannot be combined with drop: the object uses the Keras form lr·drop^⌊(1+k)/epochs_drop⌋")
        #expect(failure(#"{ family: "step", lr: 0.1, drop: 0.5 }"#) == "1:1: epochs_drop: is required but missing")
        #expect(failure(#"{ family: "piecewise", boundaries: [10, 5], values: [1, 2, 3] }"#)
                == "1:41: boundaries[1]: must be > boundaries[0] (10): boundaries must increase strictly, got 5")
        #expect(failure(#"{ family: "piecewise", boundaries: [10], values: [1] }"#)
                == "1:50: values: must be one more than boundaries (2 values for 1 boundary), got 1 value")
        #expect(failure(#"{ family: "piecewise", boundaries: [10], values: [1, "x"] }"#)
                == "1:54: values[1]: expected a number, got \"x\"")
        #expect(failure(#"{ family: "table", lrs: [0.1, -2] }"#) == "1:31: lrs[1]: must be >= 0, got -2")
        #expect(failure(#"{ family: "table" }"#) == "1:1: lrs: is required but missing: give lrs: [0.1, 0.05, …] or csv: \"file.csv\"")
        #expect(failure(#"{ family: "table", lrs: [1], csv: "a.csv" }"#)
                == "1:35: csv: cannot be combined with lrs: give the LRs inline (lrs) or as a step,lr file (csv)")
    }

    @Test func tableReadsAStepLRFileRelativeToTheBaseFolder() throws {
        let (folder, path) = try temporaryFile("lr.csv", "\u{FEFF}step,lr\r\n0,0.1\r\n1, 0.05\n2,2.5e-2\n\n")
        let spec = try parse(#"{ family: "table", csv: "lr.csv" }"#, ScheduleDefaults(baseDirectory: folder))
        #expect(spec == .table(lrs: [0.1, 0.05, 0.025], csv: path))
        // Written back as the file, read back the same.
        let text = JSONWriter.compact(ScheduleParser.json(spec))
        #expect(try parse(text) == spec)
    }

    @Test func badTableFilesNameFileLineAndColumn() throws {
        let cases: [(String, String)] = [
            ("step,lr\n0,0.1\n1,abc\n", "3:3: expected a finite number for lr, got 'abc'"),
            ("step,lr\n0,0.1\n2,0.05\n", "3:1: expected step 1 (rows count 0, 1, 2, … without gaps), got '2'"),
            ("step,lr\n0,0.1,7\n", "2:1: expected 2 fields (step,lr), got 3"),
            ("epoch,lr\n0,0.1\n", "1:1: expected the header 'step,lr', got 'epoch,lr'"),
            ("step,lr\n", "1: the table has no rows after its header"),
            ("step,lr\n0,nan\n", "2:3: expected a finite number for lr, got 'nan'"),
            ("step,lr\n0,-0.5\n", "2:3: lr must be >= 0, got -0.5"),
            ("step,lr\n0,0.1\u{0}\n", "2:3: expected a finite number for lr, got '0.1\u{0}'"),
            ("step,lr\n0,0x1p-3\n", "2:3: expected a finite number for lr, got '0x1p-3'"),
            ("step,lr\n0,0.1\n\n1,0.1\n", "3:1: expected 2 fields (step,lr), got 1"),
        ]
        for (text, message) in cases {
            let (folder, path) = try temporaryFile("bad.csv", text)
            let error = failure("{ family: \"table\",\n  csv: \"bad.csv\" }", ScheduleDefaults(baseDirectory: folder))
            #expect(error == "2:8: csv: \(path):\(message)", "\(text)")
        }
        #expect(failure(#"{ family: "table", csv: "/nonexistent/x.csv" }"#) == "1:25: csv: /nonexistent/x.csv: no such file")
        #expect(failure(#"{ family: "table", csv: "/dev/zero" }"#) == "1:25: csv: /dev/zero: not a regular file")
    }

    @Test func plateauModeFollowsTheMonitor() throws {
        #expect(try parse(#"{ family: "plateau", lr: 0.1, monitor: "val_accuracy" }"#)
                == .plateau(.init(lr: 0.1, mode: .max, monitor: .valAccuracy)))
        #expect(try parse(#"{ family: "plateau", lr: 0.1, monitor: "train_loss" }"#)
                == .plateau(.init(lr: 0.1, mode: .min, monitor: .trainLoss)))
        #expect(try parse(#"{ family: "plateau", lr: 0.1 }"#) == .plateau(.init(lr: 0.1, mode: .min, monitor: .valLoss)))
        #expect(failure(#"{ family: "plateau", lr: 0.1, mode: "max" }"#)
                == "1:37: mode: must be \"min\" for monitor \"val_loss\" (a loss falls as training improves; mode \"max\" "
                    + "would cut the LR every patience epochs), got \"max\"")
        #expect(failure(#"{ family: "plateau", lr: 0.1, monitor: "val_accuracy", mode: "min" }"#)?
                    .contains("mode: must be \"max\" for monitor \"val_accuracy\" (an accuracy rises") == true)
        #expect(failure(#"{ family: "plateau", lr: 0.1, monitor: "val_acc" }"#)?.contains("did you mean 'val_accuracy'") == true)
    }

    @Test func valAccuracyOnARegressionTaskIsRefused() throws {
        let node = try JSON5Parser.parse("""
            { task: { dataset: { name: "teacher", n: 40 }, epochs: 2 },
              schedule: { family: "plateau", lr: 0.1, monitor: "val_accuracy" } }
            """)
        do {
            _ = try DataCache().prepare(node)
            Issue.record("val_accuracy accepted on regression")
        } catch {
            #expect(error.description == "2:52: schedule.monitor: is \"val_accuracy\", but the task is regression "
                        + "(no accuracy); use \"val_loss\" or \"train_loss\"")
        }
    }

    static let config = """
        { task: { dataset: "digits", epochs: 3, schedule_unit: "epoch" },
          schedule: { family: "onecycle", max_lr: 0.1, unit: "step" } }
        """

    @Test func aScheduleEntrysUnitOverridesTheTasksAndItsRunLength() throws {
        let config = try TrialConfig.parse(JSON5Parser.parse(Self.config), trainRows: 640)
        #expect(config.training.scheduleUnit == .step)
        // 640 rows / batch 64 = 10 steps per epoch, 3 epochs: total_steps 30 (not 3 epochs).
        #expect(config.schedule == .onecycle(.init(maxLR: 0.1, totalSteps: 30)))
        // Written back with the effective unit on the task, read back the same.
        #expect(try TrialConfig.parse(JSONNode(config.json), trainRows: 640) == config)
        let bad = Self.config.replacingOccurrences(of: #"unit: "step""#, with: #"unit: "batch""#)
        do {
            _ = try TrialConfig.parse(JSON5Parser.parse(bad), trainRows: 640)
            Issue.record("unit batch accepted")
        } catch let e as ConfigError {
            #expect(e.description == "2:54: schedule.unit: expected one of \"epoch\", \"step\", got \"batch\"")
        }
    }

    @Test func perBatchAndPerEpochEntriesAreSearchedTogether() throws {
        let spec = try SearchSpec.parse(JSON5Parser.parse("""
            { task: { dataset: "digits", epochs: 4, batch_size: 64 }, trials: 12, lr: 0.1,
              schedules: [{ family: "onecycle", unit: "step" }, { family: "cosine" },
                          { family: "piecewise", boundaries: [1], values: [0.2, { uniform: [0.01, 0.1] }] }] }
            """), defaultName: "x")
        let sampler = try StaticSampler(spec: spec)
        let data = DataCache()
        var seen = Set<String>()
        for i in 0..<sampler.count {
            let (config, dataset) = try data.prepare(spec.trialConfig(sampler.point(i), seed: 0))
            let perEpoch = config.training.stepsPerEpoch(trainRows: dataset.train.count)
            switch config.schedule {
            case .onecycle(let p):
                #expect(config.training.scheduleUnit == .step && p.totalSteps == 4 * perEpoch)
            case .cosine(_, let tMax, _):
                #expect(config.training.scheduleUnit == .epoch && tMax == 4)
            case .piecewise(let boundaries, let values):
                // The spec's lr is not put into piecewise: its values are the LRs.
                #expect(boundaries == [1] && values[0] == 0.2 && (0.01...0.1).contains(values[1]))
            default:
                Issue.record("unexpected \(config.schedule)")
            }
            seen.insert(config.schedule.family.rawValue)
        }
        #expect(seen.count == 3)
    }

    @Test func autoLRTakesASuggestion() throws {
        let spec = try SearchSpec.parse(JSON5Parser.parse("""
            { task: { dataset: "digits" }, lr: { auto: true, suggestion: "steep" }, schedules: [{ family: "cosine" }] }
            """), defaultName: "x")
        #expect(spec.lrAuto?.suggestion == .steep)
        let range = AutoLRRange(valley: 3.2e-3, span: 10, suggestion: .steep)
        #expect(AutoLRRange(json: range.json) == range)
        #expect(range.summary == "lr auto: range test steep 3.2e-03 → lr ~ loguniform[1.0e-03, 1.0e-02]")
        #expect(AutoLRRange(json: ["valley": 0.1, "span": 10]) == AutoLRRange(valley: 0.1, span: 10, suggestion: .valley))
        do {
            _ = try SearchSpec.parse(JSON5Parser.parse("""
                { task: { dataset: "digits" }, lr: { auto: true, suggestion: "vally" }, schedules: [{ family: "cosine" }] }
                """), defaultName: "x")
            Issue.record("bad suggestion accepted")
        } catch let e as SpecErrors {
            #expect(e.errors.map(\.path) == ["lr.suggestion"])
            #expect(e.errors.first?.message.contains("did you mean 'valley'") == true)
        }
        do {
            _ = try SearchSpec.parse(JSON5Parser.parse("""
                { task: { dataset: "digits" }, lr: { auto: true, suggestion: "steepest" }, schedules: [{ family: "cosine" }] }
                """), defaultName: "x")
            Issue.record("steepest accepted")
        } catch let e as SpecErrors {
            #expect(e.errors.map(\.path) == ["lr.suggestion"])
        }
    }
}
