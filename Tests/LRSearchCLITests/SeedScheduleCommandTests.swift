// `lrsearch schedule` for the seeds' TF/Keras schedules: every printed row equals the published formula
// to 1e-12 relative (the issue's done-when check), tables read from CSV, and bad input exits 64.
//
// Formulas (keras/src/optimizers/schedules/learning_rate_schedule.py; the same in tf.keras 2.x):
//   ExponentialDecay: lr · rate^(k/N) (staircase: ⌊k/N⌋);  InverseTimeDecay: lr / (1 + rate·k/N);
//   PiecewiseConstantDecay: values[i] while k <= boundaries[i]; Keras step drop (Brownlee 2016):
//   lr · drop^⌊(1 + k)/epochs_drop⌋.

import Foundation
import Testing

@Suite(.serialized) struct SeedScheduleCommandTests {
    /// The rows of a `step,lr` CSV, checking that row k says step k.
    func rows(_ csv: String) -> [Double] {
        var out: [Double] = []
        for (k, line) in csv.split(separator: "\n").dropFirst().enumerated() {
            let f = line.split(separator: ",")
            guard f.count == 2, Int(f[0]) == k, let lr = Double(f[1]) else { return [] }
            out.append(lr)
        }
        return out
    }

    func expectFormula(_ schedule: String, steps: Int, _ formula: (Int) -> Double,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let run = try lrsearch(["schedule", schedule, "--steps", String(steps)])
        #expect(run.code == 0 && run.stderr == "", "\(run.stderr)", sourceLocation: sourceLocation)
        let lrs = rows(run.stdout)
        #expect(lrs.count == steps, sourceLocation: sourceLocation)
        var worst = 0.0
        for (k, lr) in lrs.enumerated() { worst = max(worst, abs(lr - formula(k)) / abs(formula(k))) }
        #expect(worst <= 1e-12, "\(schedule): relative error \(worst)", sourceLocation: sourceLocation)
    }

    @Test func tensorflowExponentialDecayStaircaseIsTheSeedFormula() throws {
        // The seed: ε_k = ε0 · α^⌊k/N⌋ with ε0 0.1, α 0.96, N 100000; rows through two decays.
        try expectFormula(#"{ family: "exponential", lr: 0.1, decay_rate: 0.96, decay_steps: 100000, staircase: true }"#,
                          steps: 250_001) { k in 0.1 * pow(0.96, Double(k / 100_000)) }
        try expectFormula(#"{ family: "exponential", lr: 0.1, decay_rate: 0.96, decay_steps: 1000 }"#, steps: 3000) { k in
            0.1 * pow(0.96, Double(k) / 1000)
        }
        // final_lr: γ = (final_lr/lr)^(1/N) from the run length N = --steps.
        try expectFormula(#"{ family: "exponential", lr: 0.1, final_lr: 0.001 }"#, steps: 200) { k in
            0.1 * pow(0.01, Double(k) / 200)
        }
    }

    @Test func inverseTimeIsTheTensorflowAndKerasFormula() throws {
        try expectFormula(#"{ family: "inverse_time", lr: 0.1, decay_rate: 0.5, decay_steps: 10, staircase: true }"#,
                          steps: 500) { k in 0.1 / (1 + 0.5 * Double(k / 10)) }
        try expectFormula(#"{ family: "inverse_time", lr: 0.01, decay: 1e-4 }"#, steps: 5000) { k in
            0.01 * (1 / (1 + 1e-4 * Double(k)))  // keras 2 SGD(lr=0.01, decay=1e-4)
        }
    }

    @Test func kerasStepDropIsTheKerasFormula() throws {
        try expectFormula(#"{ family: "step", lr: 0.1, drop: 0.5, epochs_drop: 10 }"#, steps: 100) { k in
            0.1 * pow(0.5, ((1 + Double(k)) / 10).rounded(.down))
        }
    }

    @Test func piecewiseIsTensorflowsPiecewiseConstantDecay() throws {
        let boundaries = [100, 110], values = [1.0, 0.5, 0.1]
        try expectFormula(#"{ family: "piecewise", boundaries: [100, 110], values: [1.0, 0.5, 0.1] }"#, steps: 200) { k in
            values[boundaries.firstIndex { k <= $0 } ?? 2]
        }
    }

    @Test func tableFromACSVRoundTripsTheScheduleOutput() throws {
        let cosine = try lrsearch(["schedule", #"{ family: "cosine", lr: 0.1 }"#, "--steps", "50"])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lrsearch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try cosine.stdout.write(to: folder.appendingPathComponent("cos.csv"), atomically: true, encoding: .utf8)
        let file = folder.appendingPathComponent("s.json5").path
        try #"{ family: "table", csv: "cos.csv" }"#.write(toFile: file, atomically: true, encoding: .utf8)
        let table = try lrsearch(["schedule", "@" + file, "--steps", "50"])
        #expect(table == cosine)
        // Past the table's end the last value holds.
        let longer = try lrsearch(["schedule", "@" + file, "--steps", "60"])
        #expect(rows(longer.stdout).suffix(11) == Array(repeating: rows(cosine.stdout)[49], count: 11))
    }

    @Test func badParametersExit64WithTheirPlace() throws {
        let run = try lrsearch(["schedule", #"{ family: "inverse_time", lr: 0.1, decay_rate: -1 }"#, "--steps", "3"])
        #expect(run == Run(stdout: "", stderr: "Error: SCHEDULE:1:48: decay_rate: must be >= 0, got -1\n" + usage, code: 64))
        let csv = try temporaryFile("bad.csv", "step,lr\n0,0.1\n1,x\n")
        let table = try lrsearch(["schedule", "{ family: \"table\", csv: \"\(csv)\" }", "--steps", "3"])
        #expect(table.code == 64)
        #expect(table.stderr.hasPrefix("Error: SCHEDULE:1:25: csv: \(csv):3:3: expected a finite number for lr, got 'x'\n"))
    }
}
