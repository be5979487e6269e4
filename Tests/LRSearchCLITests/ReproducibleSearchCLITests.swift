// Adaptive search (TPE with an ASHA pruner) ranks the same at --jobs 1, --jobs 2 and after kill -9
// and --resume: its suggestions and pruning decisions depend on trial indices, never on timing.

import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// 40 TPE trials on iris, ASHA at epochs 1 and 3 (η 3) with the default lag 4: past TPE's startup
/// (10 trials + the lag), and pruning at every trial.
let adaptiveSpec = """
    {
      name: "adaptive", seed: 11, trials: 40, sampler: "tpe",
      task: { dataset: "iris", model: { hidden: [16] }, epochs: 9, batch_size: 16 },
      optimizer: { kind: "sgd", momentum: 0.9 },
      lr: { loguniform: [0.001, 1.0] },
      schedules: [ { family: "constant" }, { family: "cosine" }, { family: "step", step_size: 2, gamma: { uniform: [0.2, 0.9] } } ],
      pruner: { kind: "asha", min_epochs: 1, reduction_factor: 3 },
    }
    """

/// ranked.csv without its time column (`seconds`), one string per row.
func rankedWithoutTimes(_ out: URL) throws -> [String] {
    let text = try String(contentsOf: out.appendingPathComponent("ranked.csv"), encoding: .utf8)
    let rows = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }.map { $0.components(separatedBy: ",") }
    guard let header = rows.first, let time = header.firstIndex(of: "seconds") else { return rows.map { $0.joined(separator: ",") } }
    return rows.map { row in row.enumerated().filter { $0.offset != time }.map(\.element).joined(separator: ",") }
}

@Suite struct ReproducibleSearchCLITests {
    @Test func tpeWithASHARanksTheSameAtAnyJobsAndAfterKillAndResume() throws {
        let dir = try scratch(["adaptive.json5": adaptiveSpec])
        func run(_ extra: [String], out: String) throws -> [String] {
            let r = try runLRSearch(["run", "adaptive.json5", "--quiet", "--out", out] + extra, in: dir)
            #expect(r.status == 0, "\(extra): \(r.stderr)")
            return try rankedWithoutTimes(dir.appendingPathComponent(out))
        }
        let one = try run(["--jobs", "1"], out: "one")
        #expect(one.count == 41)
        let statuses = Set(one.dropFirst().map { $0.components(separatedBy: ",")[3] })
        #expect(statuses.contains("ok") && statuses.contains("pruned"), "\(statuses)")  // the pruner did prune
        #expect(try run(["--jobs", "2"], out: "two") == one)
        #expect(try run(["--jobs", "2"], out: "again") == one)

        // Killed with -9 part-way, then resumed with another number of workers.
        let out = dir.appendingPathComponent("killed")
        let first = try Background(["run", "adaptive.json5", "--jobs", "2", "--quiet", "--out", "killed"], in: dir)
        first.waitUntil { trialLines(out).count >= 12 }
        first.send(SIGKILL)
        _ = first.exitCode()
        #expect(trialLines(out).count < 40, "the run ended before it could be killed")
        #expect(try run(["--jobs", "1", "--resume"], out: "killed") == one)
    }
}
