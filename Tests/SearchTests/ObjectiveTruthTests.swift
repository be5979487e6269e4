// Objectives that fit the task, and rankings in which a missing value never beats a number.

import Foundation
import JSON5
@testable import Search
import Testing
import Trainer

@Suite struct ObjectiveTruthTests {
    @Test func accuracyFitsClassificationOnlyAndLossesFitBoth() {
        #expect(Objective.finalValAccuracy.tasks == [.classification])
        for o in [Objective.finalValLoss, .finalTrainLoss, .bestValLoss] { #expect(o.tasks == [.classification, .regression]) }
        #expect(Objective.allCases.allSatisfy { !$0.tasks.isEmpty })
    }

    @Test func theSpecCheckRefusesAnObjectiveTheTaskCannotCompute() throws {
        let spec = try parseSpec("""
            { objective: "final_val_accuracy", task: { dataset: { name: "sine" }, epochs: 2 }, schedules: [{ family: "cosine" }] }
            """)
        let data = DataCache()
        let problems = spec.checkConfigurations { node throws(ConfigError) in try data.prepare(node).1.task }
        #expect(problems.count == 1)
        #expect(problems.first?.path == "objective")
        #expect(problems.first?.location?.line == 1 && problems.first?.location?.column == 14)
        #expect(problems.first?.message.contains("task.dataset") == true)
        let fine = try parseSpec("{ task: { dataset: { name: 'sine' }, epochs: 2 }, schedules: [{ family: 'cosine' }] }")
        #expect(fine.checkConfigurations { node throws(ConfigError) in try data.prepare(node).1.task }.isEmpty)
    }

    /// An ok trial without a value (NaN) ranks below a pruned trial with one, and below every number.
    @Test func aNaNObjectiveNeverRanksAboveANumber() {
        let ranked = rank([record(0, loss: .nan), record(1, loss: 0.9, state: .pruned), record(2, loss: 0.5),
                           record(3, loss: .nan, state: .diverged), record(4, loss: 0.7, state: .diverged)],
                          objective: .finalValLoss)
        #expect(ranked.map(\.index) == [2, 1, 0, 4, 3])
        #expect(ranked.map(\.rank) == [1, 2, 3, 4, 5])
        let firstNaN = ranked.firstIndex { !$0.mean.isFinite } ?? ranked.count
        #expect(ranked[..<firstNaN].allSatisfy { $0.state != .diverged })
    }
}
