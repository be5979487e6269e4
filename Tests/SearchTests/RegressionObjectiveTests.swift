// Regression objectives: R² maximised, MAE minimised, journaled per epoch, and a real regression search ranked by R².

import Foundation
import JSON5
@testable import Search
import TestSupport
import Testing
import Trainer

@Suite struct RegressionObjectiveTests {
    func regressionRecord(_ index: Int, r2: Double?, mae: Double?) -> TrialRecord {
        TrialRecord(id: TrialID(index: index, repeat: 0), seed: 1, sampled: ["schedule": ["family": "cosine"]], family: .cosine, state: .ok,
                    epochs: [EpochMetrics(epoch: 1, lr: 0.1, trainLoss: 2, valLoss: 3, valAccuracy: nil, seconds: 0.5,
                                         valR2: r2, valMAE: mae)], seconds: 0.5)
    }

    @Test func r2IsMaximisedAndMAEMinimised() {
        let records = [regressionRecord(0, r2: 0.5, mae: 2), regressionRecord(1, r2: 0.9, mae: 3),
                       regressionRecord(2, r2: nil, mae: nil), regressionRecord(3, r2: 0.7, mae: 1)]
        #expect(rank(records, objective: .finalValR2).map(\.index) == [1, 3, 0, 2])  // 0.9, 0.7, 0.5, missing last
        #expect(rank(records, objective: .finalValMAE).map(\.index) == [3, 0, 1, 2])  // 1, 2, 3, missing last
        #expect(Objective.finalValR2.maximizes && !Objective.finalValMAE.maximizes)
        // The pruners' curve is oriented so that lower is better.
        #expect(Objective.finalValR2.curve(records[1].epochs) == [-0.9])
        #expect(Objective.finalValMAE.curve(records[1].epochs) == [3])
    }

    @Test func epochMetricsRoundTripAndOldJournalsReadAsNil() throws {
        let r = regressionRecord(4, r2: 0.8125, mae: 1.5)
        #expect(try TrialRecord(json: JSONNode(r.json)) == r)
        let text = JSONWriter.compact(r.json)
        #expect(text.contains("\"val_r2\":0.8125") && text.contains("\"val_mae\":1.5"))
        let old = """
            {"op":"trial","index":0,"repeat":0,"seed":1,"status":"ok","seconds":1,"config":{"schedule":{"family":"cosine"}},
             "epochs":[{"epoch":1,"lr":0.1,"train_loss":2,"val_loss":3,"seconds":1}]}
            """
        let replayed = try TrialRecord(json: JSON5Parser.parse(old))
        #expect(replayed.epochs[0].valR2 == nil && replayed.epochs[0].valMAE == nil)
        #expect(replayed.objective(.finalValR2).isNaN)
    }

    /// A small search on the built-in `sine` regression set, ranked by R²: the order is that of each
    /// trial's final validation R², descending, and R² ≤ 1 with the losses in original units.
    @Test func aRegressionSearchRanksByR2() throws {
        let spec = try parseSpec("""
            { name: "sine-r2", seed: 3, trials: 4, sampler: "random", objective: "final_val_r2",
              task: { dataset: { name: "sine" }, model: { hidden: [16], activation: "tanh" }, epochs: 4, batch_size: 32 },
              optimizer: { kind: "adam" },
              lr: { loguniform: [1e-4, 1e-1] },
              schedules: [{ family: "cosine" }] }
            """)
        let session = try SearchSession(spec: spec, options: RunOptions(jobs: 2, outDir: temporaryDirectory()))
        let executor = TrialExecutor(session: session)
        let runner = Runner(units: session.pending, jobs: 2, cores: executor.cores, execute: { try executor.run($0) },
                            finished: { try session.record($0) })
        #expect(try runner.run() == .completed)
        let ranked = rank(session.records, objective: .finalValR2)
        let r2 = ranked.map { $0.representative.epochs.last?.valR2 ?? .nan }
        #expect(r2.count == 4 && r2.allSatisfy { $0.isFinite && $0 <= 1 })
        #expect(r2 == r2.sorted(by: >), "ranked R²: \(r2)")
        #expect(ranked.map(\.mean) == r2)
    }
}
