// `lrsearch compare`: the summary row of each search, the best of each family in each, and the best overall.

import JSON5
import enum LRSchedules.ScheduleFamily
import Reporting
import Search
import Testing
import Trainer

/// A one-epoch trial of `family` with final val loss (and accuracy) `value`.
private func trial(_ index: Int, _ family: String, _ value: Double, state: TrialStatus = .ok) -> TrialRecord {
    let config: JSONValue = ["seed": .number(Double(index)), "task": ["dataset": "iris", "epochs": 1],
                             "schedule": ["family": .string(family), "lr": 0.1]]
    return TrialRecord(id: TrialID(index: index, repeat: 0), seed: UInt64(index), sampled: config,
                       family: ScheduleFamily(rawValue: family) ?? .constant, state: state,
                       epochs: [EpochMetrics(epoch: 1, lr: 0.1, trainLoss: value, valLoss: value, valAccuracy: value, seconds: 0.5)],
                       seconds: 0.5)
}

private func report(_ name: String, _ objective: Objective, _ records: [TrialRecord], wall: Double = 12.5) -> SearchReport {
    SearchReport(info: SearchInfo(name: name, objective: objective, wallSeconds: wall, runs: 1, endedRuns: 1), records: records)
}

@Suite struct SearchComparisonTests {
    let a = report("a", .finalValLoss, [trial(0, "cosine", 0.3), trial(1, "step", 0.2), trial(2, "cosine", 0.25),
                                        trial(3, "step", 0.01, state: .diverged)])
    let b = report("b", .finalValLoss, [trial(0, "cosine", 0.22), trial(1, "onecycle", 0.4)], wall: 3)

    @Test func bestPerFamilyAndOverallAcrossSearches() {
        let c = SearchComparison([.init(label: "A", report: a), .init(label: "B", report: b)])
        #expect(c.families == ["cosine", "step", "onecycle"])
        // a: cosine's best is trial 2 (0.25); step's is trial 1 (0.2; trial 3's 0.01 diverged and does not count).
        #expect(c.familyRows == [["cosine", "0.25 (#2)", "0.22 (#0)"], ["step", "0.2 (#1)", "-"], ["onecycle", "-", "0.4 (#1)"]])
        #expect(c.summaryRows == [["A", "a", "final_val_loss", "4", "3", "0", "1", "12.5s", "0.2", "step", "1"],
                                  ["B", "b", "final_val_loss", "2", "2", "0", "0", "3.00s", "0.22", "cosine", "0"]])
        let best = c.bestOverall
        #expect(best?.search == 0 && best?.entry.index == 1)
        #expect(c.terminal().hasSuffix("\nbest overall: A, trial 1 (step), final_val_loss 0.2\n"))
    }

    @Test func differentObjectivesNameNoBestOverall() {
        let acc = report("acc", .finalValAccuracy, [trial(0, "cosine", 0.9)])
        let c = SearchComparison([.init(label: "A", report: a), .init(label: "ACC", report: acc)])
        #expect(!c.sameObjective && c.bestOverall == nil)
        let text = c.terminal()
        #expect(text.contains("best per family (each search's own objective)"))
        #expect(text.hasSuffix("\nno best overall: the searches rank by different objectives\n"))
    }

    @Test func aSearchWithoutAFiniteValueIsShownWithDashes() {
        let empty = report("none", .finalValLoss, [trial(0, "cosine", .nan, state: .diverged)])
        let c = SearchComparison([.init(label: "E", report: empty), .init(label: "E2", report: empty)])
        #expect(c.summaryRows[0] == ["E", "none", "final_val_loss", "1", "0", "0", "1", "12.5s", "-", "-", "-"])
        #expect(c.terminal().hasSuffix("\nno best overall: no search has a trial that finished ok with a finite value\n"))
    }

    @Test func aWallTimeSummedPastTheLargestDoubleIsShownAsUnknown() {
        // Two end records of 1e308 s (an edited journal) sum to infinity: "infs" is no time; "-" is unknown.
        let huge = report("huge", .finalValLoss, [trial(0, "cosine", 0.3)], wall: .infinity)
        let c = SearchComparison([.init(label: "H", report: huge), .init(label: "B", report: b)])
        #expect(c.summaryRows[0] == ["H", "huge", "final_val_loss", "1", "1", "0", "0", "-", "0.3", "cosine", "0"])
        #expect(!c.terminal().contains("inf"))
    }
}
