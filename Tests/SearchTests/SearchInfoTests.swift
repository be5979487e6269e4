// The journal's report header: what the start, resume and end records carry, and what a v1 journal lacks.

import Foundation
import JSON5
@testable import Search
import Testing

@Suite struct SearchInfoTests {
    let spec = """
        { name: "s", sampler: "sobol", objective: "final_val_accuracy",
          task: { dataset: "iris", epochs: 2, batch_size: { choice: [16, 32] } },
          optimizer: { kind: "sgd", momentum: { uniform: [0.8, 0.95] }, nesterov: { choice: [true, false] } },
          lr: { loguniform: [0.001, 0.5] },
          schedules: [ { family: "step", step_size: { int: [1, 3] }, gamma: { uniform: [0.1, 0.9] } },
                       { family: "exponential", gamma: { loguniform: [0.7, 0.98] } },
                       { family: "step", gamma: { loguniform: [0.01, 0.5] } } ] }
        """

    @Test func numericSampledParametersArePlottedWithTheirScale() throws {
        let params = try parseSpec(spec).plottedParameters
        #expect(params.map(\.label) == ["task.batch_size", "optimizer.momentum", "lr", "step_size (step)", "gamma (step)",
                                        "gamma (exponential)"])  // nesterov is not numeric; step's two gammas share a plot
        #expect(params.map(\.logScale) == [false, false, true, false, true, true])  // a loguniform entry makes the shared plot log
        #expect(params[0].paths == [["task", "batch_size"]] && params[0].family == nil)
        #expect(params[2].paths == [["schedule", "lr"], ["schedule", "max_lr"]])
        #expect(params[4].family == "step" && params[4].paths == [["schedule", "gamma"]])
        let onecycle: JSONValue = ["schedule": ["family": "onecycle", "max_lr": 0.3]]
        #expect(params[2].value(in: onecycle) == 0.3)  // lr is max_lr for onecycle
        #expect(params[4].value(in: onecycle) == nil)
    }

    @Test func theJournalCarriesTheReportHeaderAcrossRuns() throws {
        let s = try parseSpec(spec)
        let path = temporaryDirectory() + "/trials.jsonl"
        let journal = try Journal(appendingTo: path)
        try journal.append(Journal.startRecord(specHash: "h", name: "s", overrides: [], objective: s.objective,
                                               sampler: s.sampler, jobs: 2, parameters: s.plottedParameters))
        try journal.append(record(0, loss: 0.5).json)
        try journal.append(Journal.endRecord(seconds: 1.5))
        try journal.append(Journal.resumeRecord(specHash: "h", jobs: 1))
        try journal.append(record(1, loss: 0.4).json)
        let info = try #require(try Journal.replay(path: path)?.info)
        #expect(info.name == "s" && info.objective == .finalValAccuracy && info.sampler == .sobol)
        #expect(info.jobs == [2, 1])
        #expect(info.parameters == s.plottedParameters)  // the parameter list survives its JSON round trip
        #expect(info.runs == 2 && info.endedRuns == 1 && info.wallSeconds == 1.5)  // the resumed run was killed: no end record
    }

    @Test func aVersion1JournalHasOnlyItsName() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/journal-v1", withExtension: "jsonl"))
        let info = try #require(try Journal.replay(path: url.path)?.info)
        #expect(info == SearchInfo(name: "fixture", objective: nil, sampler: nil, jobs: [], parameters: nil,
                                   wallSeconds: 0, runs: 2, endedRuns: 0))
    }

    @Test func aNewerJournalVersionIsRefused() {
        #expect(throws: JournalError.corrupt(file: "j", line: 1, reason: "journal version 5 is newer than this lrsearch (4)")) {
            try Journal.replay(text: "{\"op\":\"start\",\"version\":5,\"name\":\"x\"}\n", file: "j")
        }
    }
}
