// Per-step LR curves for schedules stepped per batch, rebuilt from the config and the training split's size.

import JSON5
import enum LRSchedules.ScheduleFamily
import Reporting
import Search
import TestSupport
import Testing
import Trainer

@Suite struct StepCurveTests {
    /// iris has 120 training rows: batches of 16 give 8 steps per epoch, 24 steps in 3 epochs.
    func record(unit: String, schedule: JSONValue, trainRows: Int? = 120) -> TrialRecord {
        let config: JSONValue = [
            "task": ["dataset": "iris", "epochs": 3, "batch_size": 16, "schedule_unit": .string(unit)],
            "schedule": schedule,
        ]
        let epochs = (1...3).map { EpochMetrics(epoch: $0, lr: 0.01, trainLoss: 1, valLoss: 1, valAccuracy: 0.9, seconds: 0.1) }
        var family = ScheduleFamily.constant
        if case .string(let name)? = schedule["family"]?.value, let f = ScheduleFamily(rawValue: name) { family = f }
        var r = TrialRecord(id: TrialID(index: 0, repeat: 0), seed: 1, sampled: config, family: family, state: .ok,
                            epochs: epochs, seconds: 1)
        r.trainRows = trainRows
        // Resolved as a journal line is (`TrialRecord(json:)`): what the report's per-step curve reads.
        r.config = try? TrialConfig.parse(JSONNode(config), trainRows: trainRows)
        return r
    }

    static let cyclic: JSONValue = ["family": "cyclic", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4]

    @Test func aCyclicScheduleIsDrawnAtEveryStep() throws {
        let points = try #require(SearchReport.stepCurve(record(unit: "step", schedule: Self.cyclic)))
        // Triangle of period 8 steps: 0.01 at steps 0, 8, 16 (x = 1, 2, 3: each epoch's first step, as journaled),
        // 0.1 at steps 4, 12, 20 (x = 1.5, 2.5, 3.5); the last step, 23, is at x = 1 + 23/8.
        #expect(points.count == 24)
        for (k, x, lr) in [(0, 1.0, 0.01), (4, 1.5, 0.1), (8, 2.0, 0.01), (12, 2.5, 0.1), (20, 3.5, 0.1)] {
            expectClose(points[k].x, x, relative: 1e-15, "step \(k)")
            expectClose(points[k].y, lr, relative: 1e-12, "step \(k)")
        }
        expectClose(points[23].x, 1 + 23.0 / 8, relative: 1e-15)
        // Long runs keep each bucket's extremes: 12 points for 24 steps, still reaching 0.1 and 0.01.
        let coarse = try #require(SearchReport.stepCurve(record(unit: "step", schedule: Self.cyclic), maxPoints: 12))
        #expect(coarse.count <= 12 + 2)
        #expect(coarse.map(\.y).max() == points.map(\.y).max() && coarse.map(\.y).min() == points.map(\.y).min())
    }

    @Test func epochSchedulesMetricSchedulesAndOldJournalsKeepTheJournaledLR() {
        #expect(SearchReport.stepCurve(record(unit: "epoch", schedule: Self.cyclic)) == nil)
        #expect(SearchReport.stepCurve(record(unit: "step", schedule: Self.cyclic, trainRows: nil)) == nil)
        #expect(SearchReport.stepCurve(record(unit: "step", schedule: ["family": "plateau", "lr": 0.1])) == nil)
    }

    @Test func journaledTrainRowsCannotMakeTheReportUnbounded() {
        // derivation: 2^40 rows / 16 = 2^36 steps per epoch × 3 epochs > 1,000,000: the journaled per-epoch
        // LRs are drawn instead of ~2e11 scheduler steps; 2^62 rows × 3 epochs would overflow Int.
        #expect(SearchReport.stepCurve(record(unit: "step", schedule: Self.cyclic, trainRows: 1 << 40)) == nil)
        #expect(SearchReport.stepCurve(record(unit: "step", schedule: Self.cyclic, trainRows: 1 << 62)) == nil)
        // 120 rows: 24 steps, within any budget of at least 24.
        #expect(SearchReport.stepCurve(record(unit: "step", schedule: Self.cyclic), maxSteps: 24) != nil)
        #expect(SearchReport.stepCurve(record(unit: "step", schedule: Self.cyclic), maxSteps: 23) == nil)
    }

    @Test func trainRowsRoundTripThroughTheJournal() throws {
        let r = record(unit: "step", schedule: Self.cyclic)
        let back = try TrialRecord(json: JSONNode(r.json))
        #expect(back.trainRows == 120 && back == r)
        var old = r
        old.trainRows = nil
        #expect(try TrialRecord(json: JSONNode(old.json)).trainRows == nil)
    }

    @Test func theLRPlotDrawsTheStepsAsTheLineAndTheEpochsAsMarkers() throws {
        let report = SearchReport(info: SearchInfo(name: "t", objective: .finalValLoss, parameters: []),
                                  records: [record(unit: "step", schedule: Self.cyclic)])
        let svg = report.lrCurves().svg()
        let lines = try paths(svg, classPrefix: "series lr")
        #expect(lines.count == 1)
        #expect(lines.first.map { $0.filter { $0 == "L" }.count } == 23)  // 24 points, one line
        #expect(try paths(svg, classPrefix: "series epoch-lr").count == 1)
    }
}
