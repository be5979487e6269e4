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

    @Test func zeroOrNegativeTrainLossesAreNotDivergence() throws {
        let dir = try scratch(["n.json5": """
            { name: "n", trials: 2, task: { command: ["/bin/sh", "n.sh"], epochs: 3 },
              lr: 0.1, schedules: [{ family: "cosine" }] }
            """])
        // Trial 0: a log-likelihood-like loss, negative and rising a little; trial 1: 0 first, then 0.001.
        try writeScripts(["n.sh": """
            if [ "$LRSEARCH_TRIAL" = 0 ]; then a=-5 b=-4 c=-6; else a=0 b=0.001 c=0; fi
            echo "[lrsearch] {\\"epoch\\": 1, \\"train_loss\\": $a, \\"val_loss\\": 1}"
            echo "[lrsearch] {\\"epoch\\": 2, \\"train_loss\\": $b, \\"val_loss\\": 0.5}"
            echo "[lrsearch] {\\"epoch\\": 3, \\"train_loss\\": $c, \\"val_loss\\": 0.2$LRSEARCH_TRIAL}"

            """], in: dir)
        let r = try runLRSearchBounded(["run", "n.json5", "--quiet", "--jobs", "1"], in: dir, timeout: 60)
        #expect(r.ending == .exited(0), "\(String(decoding: r.stderr, as: UTF8.self))")
        let byIndex = try trials(dir.appendingPathComponent("results/n"))
        #expect(byIndex[0]?["status"] as? String == "ok")
        #expect(byIndex[1]?["status"] as? String == "ok")
        #expect((byIndex[0]?["epochs"] as? [[String: Any]])?.map { $0["train_loss"] as? Double } == [-5, -4, -6])
    }

    @Test func aReportAfterAProgressBarOrWithoutTheSpaceIsAnsweredAndABareTagFails() throws {
        let dir = try scratch(["p.json5": """
            { name: "p", trials: 1, task: { command: ["/bin/sh", "p.sh"], epochs: 3, timeout_s: 20 },
              lr: 0.1, schedules: [{ family: "constant" }] }
            """])
        // Each report waits for its answer: a report lrsearch took for a log line would hang the trial.
        try writeScripts(["p.sh": """
            printf 'progress 10%%\\rprogress 100%%\\r[lrsearch] {"epoch": 1, "train_loss": 1, "val_loss": 1}\\r\\n'
            read a
            echo "got $a" >&2
            echo '[lrsearch]{"epoch": 2, "train_loss": 1, "val_loss": 0.5}'
            read a
            echo "got $a" >&2
            echo '[lrsearch]'
            read a

            """], in: dir)
        let r = try runLRSearchBounded(["run", "p.json5", "--quiet"], in: dir, timeout: 60)
        #expect(r.ending == .exited(1))  // its only trial failed: nothing to rank
        let out = dir.appendingPathComponent("results/p")
        let t = try #require(try trials(out)[0])
        #expect(t["status"] as? String == "failed")
        #expect((t["epochs"] as? [Any])?.count == 2)
        let log = out.appendingPathComponent("trials/0.0/stderr.log").path
        #expect(t["reason"] as? String == """
            stdout line 3: the report is not JSON (1:1: expected a value, found the end of the text); last lines of \(log):
            got {"epoch": 1, "lr": 0.1, "stop": false}
            got {"epoch": 2, "lr": 0.1, "stop": false}
            """)
    }

    @Test func aReportLongerThanTheLimitSaysSo() throws {
        let dir = try scratch(["h.json5": """
            { name: "h", trials: 1, task: { command: ["/bin/sh", "h.sh"], epochs: 1 },
              lr: 0.1, schedules: [{ family: "constant" }] }
            """])
        // 2 MiB of padding in one report line.
        try writeScripts(["h.sh": """
            printf '[lrsearch] {"epoch": 1, "train_loss": 1, "val_loss": 1, "pad": "'
            head -c 2097152 /dev/zero | tr '\\0' x
            printf '"}\\n'

            """], in: dir)
        let r = try runLRSearchBounded(["run", "h.json5", "--quiet"], in: dir, timeout: 60)
        #expect(r.ending == .exited(1))
        let t = try #require(try trials(dir.appendingPathComponent("results/h"))[0])
        #expect(t["status"] as? String == "failed")
        #expect((t["reason"] as? String)?.hasPrefix(
            "stdout line 1: the report is not JSON (1:1048567: unterminated string starting at 1:54) "
                + "(the line is longer than 1 MiB, the most a report may be); ") == true, "\(t["reason"] ?? "")")
    }

    @Test func aDirectoryIsNotAProgram() throws {
        let dir = try scratch(["d.json5": "{ task: { command: [\"./bin\"], epochs: 2 }, lr: 0.1, schedules: [{ family: \"cosine\" }] }"])
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("bin"), withIntermediateDirectories: true)
        let r = try runLRSearch(["validate", "d.json5"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr == "Error: d.json5:1:21: task.command[0]: './bin' is not an executable file in the spec's folder (.)\n")
    }
}

extension ExternalTrialHostileTests {
    /// Was: every number of every report was kept (in memory, then on the trial's journal line), so a
    /// program sending 1 MiB reports of 60,000 numbers each epoch grew lrsearch without bound.
    @Test func aReportMayCarryABoundedNumberOfExtraNumbers() throws {
        let dir = try scratch(["x.json5": """
            { name: "x", trials: 3, task: { command: ["/bin/sh", "x.sh"], epochs: 1 },
              lr: 0.1, schedules: [{ family: "constant" }] }
            """])
        // Trial 0: 256 extra numbers (the most); 1: 257; 2: one key of 129 bytes.
        try writeScripts(["x.sh": """
            case $LRSEARCH_TRIAL in 0) n=256 ;; 1) n=257 ;; *) n=0 ;; esac
            extra=$(awk -v n=$n 'BEGIN { for (i = 0; i < n; i++) printf ", \\"g%d\\": %d", i, i }')
            [ "$LRSEARCH_TRIAL" = 2 ] && extra=", \\"$(printf '%0129d' 0)\\": 1"
            echo "[lrsearch] {\\"epoch\\": 1, \\"train_loss\\": 1, \\"val_loss\\": 0.5$extra}"

            """], in: dir)
        let r = try runLRSearchBounded(["run", "x.json5", "--quiet", "--jobs", "1"], in: dir, timeout: 60)
        #expect(r.ending == .exited(0), "\(String(decoding: r.stderr, as: UTF8.self))")
        let byIndex = try trials(dir.appendingPathComponent("results/x"))
        #expect(byIndex[0]?["status"] as? String == "ok")
        let epoch = try #require((byIndex[0]?["epochs"] as? [[String: Any]])?.first)
        #expect(epoch.count == 256 + 5)  // epoch, lr, train_loss, val_loss, seconds
        #expect(epoch["g255"] as? Int == 255)
        #expect(byIndex[1]?["status"] as? String == "failed")
        #expect((byIndex[1]?["reason"] as? String)?.hasPrefix(
            "stdout line 1: a report may carry at most 256 numbers besides the ranked metrics, got 257; ") == true)
        #expect(byIndex[2]?["status"] as? String == "failed")
        #expect((byIndex[2]?["reason"] as? String)?.hasPrefix(
            "stdout line 1: a report's keys may be at most 128 bytes long, got 129 bytes: \""
                + String(repeating: "0", count: 40) + "\"… (129 characters); ") == true, "\(byIndex[2]?["reason"] ?? "")")
    }
}
