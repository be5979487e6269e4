// External trials against programs that misbehave in ways a real training script does: a background
// child left holding stdout, losses that are 0 or negative, reports drawn after a progress bar or
// without the space, a report longer than the limit, and a directory as the command.

import Foundation
import TestSupport
import Testing

@Suite struct ExternalTrialHostileTests {
    /// The journal's trial records by index.
    func trials(_ out: URL) throws -> [Int: [String: Any]] {
        Dictionary(try journalTrials(out).map { ($0["index"] as? Int ?? -1, $0) }) { a, _ in a }
    }

    @Test func aBackgroundChildHoldingStdoutDoesNotKeepTheTrialRunning() throws {
        let marker = "lrsearch-grandchild-\(UUID().uuidString)"
        let dir = try scratch(["g.json5": """
            { name: "g", trials: 2, task: { command: ["/bin/sh", "g.sh", "\(marker)"], epochs: 1 },
              lr: 0.1, schedules: [{ family: "cosine" }] }
            """])
        // The background sleep inherits stdout and outlives the script: the pipe never reaches end of
        // file while it runs. The program itself exits 0 after its report.
        try writeScripts(["g.sh": """
            sleep 1000 &
            echo "[lrsearch] {\\"epoch\\": 1, \\"train_loss\\": 0.5, \\"val_loss\\": 0.$LRSEARCH_TRIAL}"
            exit 0

            """], in: dir)
        let r = try runLRSearchBounded(["run", "g.json5", "--quiet", "--jobs", "1"], in: dir, timeout: 60)
        #expect(r.ending == .exited(0), "\(String(decoding: r.stderr, as: UTF8.self))")
        let byIndex = try trials(dir.appendingPathComponent("results/g"))
        #expect(byIndex.count == 2)
        #expect(byIndex.values.allSatisfy { $0["status"] as? String == "ok" })
        // The sleeps were killed with their programs' groups.
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        let left = pids.filter { pid in
            guard Int(pid) != nil, let argv = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: argv, as: UTF8.self).contains(marker)
        }
        #expect(left.isEmpty)
    }

    @Test func aDirectoryIsNotAProgram() throws {
        let dir = try scratch(["d.json5": "{ task: { command: [\"./bin\"], epochs: 2 }, lr: 0.1, schedules: [{ family: \"cosine\" }] }"])
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("bin"), withIntermediateDirectories: true)
        let r = try runLRSearch(["validate", "d.json5"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr == "Error: d.json5:1:21: task.command[0]: './bin' is not an executable file in the spec's folder (.)\n")
    }
}
