// The notes under a ranking: families with too few trials, a best value at the edge of its range, why nothing ranks.

import Foundation
import JSON5
import Reporting
import Search
import Testing

@Suite struct ResultNotesTests {
    let lr = PlottedParameter(label: "lr", paths: [["schedule", "lr"]], logScale: true, range: SampledRange(.loguniform, 0.003, 0.5))
    let gamma = PlottedParameter(label: "gamma (step)", family: "step", paths: [["schedule", "gamma"]], logScale: false,
                                 range: SampledRange(.uniform, 0.1, 0.7))

    func report(_ records: [TrialRecord], parameters: [PlottedParameter]? = nil) -> SearchReport {
        SearchReport(info: SearchInfo(name: "t", parameters: parameters ?? [lr, gamma]), records: records)
    }

    @Test func aFamilyWithFewerThanThreeCompleteTrialsIsNamed() {
        var records = (0..<4).map { curveRecord($0, family: "cosine", val: [0.5 + Double($0) / 10], lrs: [0.05]) }
        records.append(curveRecord(4, family: "equivalent_explr", val: [0.4], lrs: [0.05]))
        records.append(curveRecord(5, family: "step", val: [0.6], lrs: [0.05], extra: [("gamma", 0.4)]))
        records.append(curveRecord(6, family: "step", val: [0.7], lrs: [0.05], state: .pruned, extra: [("gamma", 0.4)]))
        #expect(report(records).fewTrialWarnings(families: ["cosine", "equivalent_explr", "step", "wsd"]) == [
            "equivalent_explr: 1 trial; its rank says little",
            "step: 1 complete trial (1 pruned); its rank says little",
            "wsd: 0 trials; its rank says little",
        ])
        // More than three short families: one line naming them all.
        #expect(report(records).fewTrialWarnings(families: ["cosine", "equivalent_explr", "step", "wsd", "sgdr"]) == [
            "4 of 5 families finished fewer than 3 complete trials: equivalent_explr 1, sgdr 0, step 1, wsd 0; "
                + "their ranks say little",
        ])
        // One family alone is not compared with anything.
        #expect(report(Array(records.prefix(1))).fewTrialWarnings().isEmpty)
    }

    @Test func theBestLRAtTheTopOfItsLogRangeIsNamedWithTheAdviceToWiden() {
        // ln(0.48/0.003) / ln(0.5/0.003) = 5.0752 / 5.1160 = 0.992: in the top 5%.
        let top = report([curveRecord(0, family: "cosine", val: [0.3], lrs: [0.48]),
                          curveRecord(1, family: "cosine", val: [0.5], lrs: [0.01])])
        #expect(top.edgeWarnings() == ["lr = 0.48 is in the top 5% of its range loguniform[0.003, 0.5]; "
                                       + "the best value may lie beyond it: widen the range"])
        // 0.0035: ln(0.0035/0.003)/5.116 = 0.030, the bottom 5% in log space (1% of the range linearly would say otherwise).
        let bottom = report([curveRecord(0, family: "cosine", val: [0.3], lrs: [0.0035])])
        #expect(bottom.edgeWarnings().first?.hasPrefix("lr = 0.0035 is in the bottom 5% of its range") == true)
        // 0.04: position 0.51 in log space, no warning.
        #expect(report([curveRecord(0, family: "cosine", val: [0.3], lrs: [0.04])]).edgeWarnings().isEmpty)
    }

    @Test func aFamilyParameterCountsOnlyForItsFamilyAndOnlyTheWinnerCounts() {
        // gamma 0.69 of uniform [0.1, 0.7] is at 0.983; the winner is a step trial, so it is named.
        let step = report([curveRecord(0, family: "step", val: [0.3], lrs: [0.04], extra: [("gamma", 0.69)]),
                           curveRecord(1, family: "cosine", val: [0.5], lrs: [0.49])])
        #expect(step.edgeWarnings() == ["gamma (step) = 0.69 is in the top 5% of its range uniform[0.1, 0.7]; "
                                        + "the best value may lie beyond it: widen the range"])
        // A pruned trial with a better value is not the winner.
        let pruned = report([curveRecord(0, family: "cosine", val: [0.1], lrs: [0.49], state: .pruned),
                             curveRecord(1, family: "cosine", val: [0.5], lrs: [0.04])])
        #expect(pruned.edgeWarnings().isEmpty)
    }

    @Test func rangesRoundTripThroughTheStartRecord() throws {
        let spec = try SearchSpec.parse(JSON5Parser.parse("""
            { task: {}, lr: { loguniform: [0.003, 0.5] },
              schedules: [{ family: "step", step_size: { int: [3, 8] }, gamma: { uniform: [0.1, 0.7] } }] }
            """), defaultName: "t")
        let record = Journal.startRecord(specHash: "h", name: "t", overrides: [], objective: .finalValLoss, sampler: .random,
                                         jobs: 1, parameters: spec.plottedParameters)
        let line = JSONWriter.compact(record)
        #expect(line.contains(#""range":{"loguniform":[0.003,0.5]}"#))
        #expect(line.contains(#""range":{"int":[3,8]}"#))
        let path = NSTemporaryDirectory() + "lrsearch-notes-\(UUID().uuidString).jsonl"
        try (line + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let info = try #require(try Journal.replay(path: path)?.info)
        #expect(info.parameters == spec.plottedParameters)
        #expect(info.parameters?.map(\.range) == [SampledRange(.loguniform, 0.003, 0.5), SampledRange(.int, 3, 8),
                                                  SampledRange(.uniform, 0.1, 0.7)])
    }

    /// A journal whose parameters carry no range still has its auto LR's range in `lr_auto`.
    @Test func anAutoLRRangeComesFromTheJournalsRecord() throws {
        let line = #"{"op":"start","version":2,"name":"a","spec_hash":"h","parameters":[{"label":"lr","paths":[["schedule","lr"]],"scale":"log"}],"lr_auto":{"valley":0.01,"span":100,"low":0.001,"high":0.1}}"#
        let path = NSTemporaryDirectory() + "lrsearch-notes-\(UUID().uuidString).jsonl"
        try (line + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let info = try #require(try Journal.replay(path: path)?.info)
        // valley/√span = 0.001, valley·√span = 0.1
        #expect(info.parameters?.first?.range == SampledRange(.loguniform, 0.001, 0.1))
        let r = SearchReport(info: info, records: [curveRecord(0, family: "cosine", val: [0.3], lrs: [0.099])])
        #expect(r.edgeWarnings().first?.hasPrefix("lr = 0.099 is in the top 5% of its range loguniform[0.001, 0.1]") == true)
    }
}
