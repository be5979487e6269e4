// External trials' values: the task and config parser (exact errors), the config handed to the program,
// and the `failed` status with its reason and extra numbers in the journal and the ranking.

import Foundation
import JSON5
import LRSchedules
@testable import Search
import TestSupport
import Testing
import Trainer

@Suite struct ExternalTaskTests {
    func parse(_ text: String) throws -> ExternalTrialConfig {
        try ExternalTrialConfig.parse(try JSON5Parser.parse(text))
    }

    func error(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch let e as ConfigError {
            return "\(e.path): \(e.message)"
        } catch {
            return "\(error)"
        }
    }

    @Test func taskKeysAreReadWithTheirDefaults() throws {
        let c = try parse("""
            { seed: 7, task: { command: ["python3", "train.py", "--data", "cifar"], epochs: 30, steps_per_epoch: 391,
                               timeout_s: 3600, data: "anything" },
              optimizer: { kind: "sgd", momentum: 0.9 }, schedule: { family: "cosine", lr: 0.1 } }
            """)
        #expect(c.task == ExternalTask(command: ["python3", "train.py", "--data", "cifar"], epochs: 30, stepsPerEpoch: 391,
                                       timeoutSeconds: 3600, scheduleUnit: .epoch))
        #expect(c.seed == 7)
        #expect(c.totalSteps == 30)  // per-epoch schedule: one scheduler step per epoch
        #expect(c.schedule == .cosine(lr: 0.1, tMax: 30, etaMin: 0))  // t_max defaults to the run length
        let d = try parse("{ task: { command: [\"x\"] }, schedule: { family: \"onecycle\", max_lr: 1, unit: \"step\" } }")
        #expect(d.task.epochs == 20 && d.task.stepsPerEpoch == 1 && d.task.timeoutSeconds == nil)
        #expect(d.unit == .step && d.totalSteps == 20)
    }

    @Test func badTaskValuesNameTheirField() {
        #expect(error("{ task: { command: \"python3 train.py\" }, schedule: { family: \"constant\", lr: 1 } }")
                == "task.command: expected a non-empty array of strings (the program and its arguments), got \"python3 train.py\"")
        #expect(error("{ task: { command: [\"\"] }, schedule: { family: \"constant\", lr: 1 } }")
                == "task.command[0]: expected a string without NUL characters naming the program, got \"\"")
        #expect(error("{ task: { command: [\"a\", \"b\\u0000c\"] }, schedule: { family: \"constant\", lr: 1 } }")
                == "task.command[1]: expected a string without NUL characters, got \"b\\u0000c\"")
        #expect(error("{ task: { command: [\"a\"], timeout_s: 0 }, schedule: { family: \"constant\", lr: 1 } }")
                == "task.timeout_s: must be a number of seconds in (0, 1e9], got 0")
        #expect(error("{ task: { command: [\"a\"], steps_per_epoch: 0 }, schedule: { family: \"constant\", lr: 1 } }")
                == "task.steps_per_epoch: must be >= 1, got 0")
        // 10^6 epochs × 10^6 steps: too long for a schedule file (and checked without overflow).
        #expect(error("{ task: { command: [\"a\"], epochs: 1000000, steps_per_epoch: 9223372036854775807, schedule_unit: \"step\" }, schedule: { family: \"constant\", lr: 1 } }")
                == "task.steps_per_epoch: epochs × steps_per_epoch (1000000 × 9223372036854775807) must be at most 10000000 "
                   + "scheduler steps for an external trial (its schedule file has a line per step)")
        let unknown = error("{ task: { command: [\"a\"] }, schedule: { family: \"constant\", lr: 1 }, extra: 1 }")
        #expect(unknown == ": unknown key 'extra'; valid keys: seed, task, optimizer, schedule")
    }

    @Test func theProgramGetsTheResolvedScheduleAndTheRunLength() throws {
        let node = try JSON5Parser.parse("""
            { seed: 3, task: { command: ["x"], epochs: 4, steps_per_epoch: 10, data: "mine" },
              schedule: { family: "cosine", lr: 0.5, unit: "step" } }
            """)
        let c = try ExternalTrialConfig.parse(node)
        let text = JSONWriter.compact(c.programConfig(node.value))
        #expect(text == #"{"seed":3,"task":{"command":["x"],"epochs":4,"data":"mine","steps_per_epoch":10,"schedule_unit":"epoch"},"#
                + #""schedule":{"family":"cosine","lr":0.5,"t_max":40,"eta_min":0,"unit":"step"}}"#)
    }

    @Test func aFailedTrialRoundTripsWithItsReasonAndExtraNumbers() throws {
        var r = record(3, loss: 0.25, state: .failed)
        r.reason = "exit status 1 after 1 report; last lines of /tmp/x/stderr.log:\nTraceback\u{1B}"
        r.epochs[0].extra = ["grad_norm": 2.5, "tokens": .infinity]
        let line = JSONWriter.compact(r.json)
        #expect(line.contains(#""status":"failed""#))
        #expect(line.contains(#""grad_norm":2.5,"tokens":"Infinity""#))
        let back = try TrialRecord(json: try JSON5Parser.parse(line))
        #expect(back == r)
    }

    @Test func failedRanksAfterDivergedEvenWithAValue() {
        let ranked = rank([record(0, loss: 0.1, state: .failed), record(1, loss: 0.9, state: .diverged),
                           record(2, loss: 0.5), record(3, loss: 0.3, state: .pruned)], objective: .finalValLoss)
        #expect(ranked.map(\.index) == [2, 3, 1, 0])
        #expect(ranked.map(\.state) == [.ok, .pruned, .diverged, .failed])
    }

    @Test func journalsWithoutFailedStillReplay() throws {
        // Every status a journal of before `failed` could hold reads as before (the v1 fixture too).
        for status in ["ok", "pruned", "diverged"] {
            let line = #"{"op":"trial","index":0,"repeat":0,"seed":1,"status":"\#(status)","seconds":1,"config":{"schedule":{"family":"cosine"}},"epochs":[]}"#
            let r = try TrialRecord(json: try JSON5Parser.parse(line))
            #expect(r.state.rawValue == status && r.reason == nil)
        }
        let url = try #require(Bundle.module.url(forResource: "Fixtures/journal-v1", withExtension: "jsonl"))
        #expect(try Journal.replay(path: url.path)?.records.count == 2)
    }
}
