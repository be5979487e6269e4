// External trials (task.command, protocol v1) run as a user would: lrsearch itself as the program, and
// tiny /bin/sh programs that fail, hang, report NaN, or are killed with the search.

import Foundation
import TestSupport
import Testing

/// A quickstart-like search (digits, the quickstart's families, sobol, a median pruner that stops
/// some trials), small enough for a debug build; `command` is spliced into its task.
func externalSpec(command: String?, sampler: String = "sobol",
                  pruner: String = "{ kind: \"median\", warmup_epochs: 1, min_trials: 2 }") -> String {
    """
    {
      name: "ext", seed: 1, trials: 8, sampler: "\(sampler)", objective: "final_val_loss",
      task: { \(command.map { "command: \($0), steps_per_epoch: 23, " } ?? "")dataset: "digits",
              model: { hidden: [32], activation: "relu" }, epochs: 4, batch_size: 64, val_fraction: 0.2 },
      optimizer: { kind: "sgd", momentum: { uniform: [0.8, 0.95] } },
      lr: { loguniform: [0.003, 0.5] },
      schedules: [
        { family: "constant" },
        { family: "step", step_size: { int: [1, 3] }, gamma: { uniform: [0.1, 0.7] } },
        { family: "cosine" },
        { family: "plateau", patience: 0, factor: 0.5 },
        { family: "onecycle", unit: "step", pct_start: { uniform: [0.2, 0.4] } },
      ],
      pruner: \(pruner),
    }
    """
}

/// ranked.csv without the columns allowed to differ: seconds, and the task keys only an external search has.
func rankingWithoutTimesAndCommand(_ dir: URL) throws -> [[String]] {
    let text = try String(contentsOf: dir.appendingPathComponent("ranked.csv"), encoding: .utf8)
    let rows = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }.map(splitCSV)
    guard let header = rows.first else { return [] }
    let dropped: Set<String> = ["seconds", "task.command", "task.steps_per_epoch"]
    let keep = header.indices.filter { !dropped.contains(header[$0]) }
    return rows.map { row in keep.map { $0 < row.count ? row[$0] : "" } }
}

/// RFC 4180 fields of one line.
func splitCSV(_ line: String) -> [String] {
    var fields: [String] = [], field = "", quoted = false
    var chars = Array(line)[...]
    while let c = chars.popFirst() {
        if quoted {
            if c == "\"" { if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false } } else { field.append(c) }
        } else if c == "\"" { quoted = true } else if c == "," { fields.append(field); field = "" } else { field.append(c) }
    }
    return fields + [field]
}

/// Writes /bin/sh scripts into `dir`. The specs run them as `/bin/sh NAME`, not as executables: a
/// script just written could be held open for writing by a child another test spawns at that moment,
/// and exec would then fail with "Text file busy".
func writeScripts(_ scripts: [String: String], in dir: URL) throws {
    for (name, body) in scripts {
        try body.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
}

/// The journal's trial records as JSON objects.
func journalTrials(_ dir: URL) throws -> [[String: Any]] {
    try lines(dir.appendingPathComponent("trials.jsonl")).compactMap { line in
        guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], o["op"] as? String == "trial"
        else { return nil }
        return o
    }
}

@Suite struct ExternalTrialTests {
    static let bin = lrsearchBinary().path

    /// Sobol with the median pruner, and TPE (whose suggestions learn from the external results) with ASHA.
    @Test(arguments: [("sobol", "{ kind: \"median\", warmup_epochs: 1, min_trials: 2 }"),
                      ("tpe", "{ kind: \"asha\", min_epochs: 1, reduction_factor: 2 }")])
    func protocolSearchRanksExactlyLikeTheInProcessSearch(sampler: String, pruner: String) throws {
        let command = "[\"\(Self.bin)\", \"train\", \"--protocol\"]"
        let dir = try scratch(["in.json5": externalSpec(command: nil, sampler: sampler, pruner: pruner),
                               "ext.json5": externalSpec(command: command, sampler: sampler, pruner: pruner)])
        let a = try runLRSearchBounded(["run", "in.json5", "--out", "in", "--quiet", "--jobs", "2"], in: dir, timeout: 300)
        let b = try runLRSearchBounded(["run", "ext.json5", "--out", "ext", "--quiet", "--jobs", "2"], in: dir, timeout: 300)
        #expect(a.ending == .exited(0), "\(String(decoding: a.stderr, as: UTF8.self))")
        #expect(b.ending == .exited(0), "\(String(decoding: b.stderr, as: UTF8.self))")
        let inProcess = try rankingWithoutTimesAndCommand(dir.appendingPathComponent("in"))
        let external = try rankingWithoutTimesAndCommand(dir.appendingPathComponent("ext"))
        #expect(inProcess.count == 9)  // header + 8 trials
        #expect(inProcess == external)
        // The pruner stopped some trials through the answers ("stop": true), as it did in-process.
        let states = try journalTrials(dir.appendingPathComponent("ext")).map { $0["status"] as? String ?? "" }
        #expect(states.contains("pruned"))
        // Each trial left its folder: the config handed over, the schedule table (not for plateau), the log.
        let t0 = dir.appendingPathComponent("ext/trials/0.0")
        #expect(FileManager.default.fileExists(atPath: t0.appendingPathComponent("config.json").path))
        #expect(FileManager.default.fileExists(atPath: t0.appendingPathComponent("stderr.log").path))
    }

    static let scripts = [
        "fail.sh": "echo 'loading data' >&2\necho \"Traceback: boom in trial $LRSEARCH_TRIAL\" >&2\nexit 3\n",
        "hang.sh": "echo '[lrsearch] {\"epoch\": 1, \"train_loss\": 1, \"val_loss\": 1}'\nsleep 100\n",
        "nan.sh": """
            echo '[lrsearch] {"epoch": 1, "train_loss": 1.5, "val_loss": 1.2}'
            read answer
            echo "got $answer" >&2
            echo '[lrsearch] {"epoch": 2, "train_loss": NaN, "val_loss": 1.2}'
            read answer
            echo "got $answer" >&2

            """,
        "mixed.sh": """
            case $LRSEARCH_TRIAL in
              0) exec /bin/sh fail.sh ;;
              1) exec /bin/sh hang.sh ;;
              2) exec /bin/sh nan.sh ;;
              *) for i in 1 2 3; do echo "noise $i"; echo "[lrsearch] {\\"epoch\\": $i, \\"train_loss\\": 0.$i, \\"val_loss\\": 0.$LRSEARCH_TRIAL}"; done ;;
            esac

            """,
    ]

    @Test func failingHangingAndNaNProgramsEndFailedOrDivergedAndTheSearchCompletes() throws {
        let dir = try scratch(["s.json5": """
            { name: "m", trials: 5, task: { command: ["/bin/sh", "mixed.sh"], epochs: 3, timeout_s: 1 },
              lr: { loguniform: [0.01, 0.1] }, schedules: [{ family: "cosine" }, { family: "plateau" }] }
            """])
        try writeScripts(Self.scripts, in: dir)
        let r = try runLRSearchBounded(["run", "s.json5", "--quiet", "--jobs", "2"], in: dir, timeout: 120)
        #expect(r.ending == .exited(0), "\(String(decoding: r.stderr, as: UTF8.self))")
        let out = dir.appendingPathComponent("results/m")
        let byIndex = Dictionary(try journalTrials(out).map { ($0["index"] as? Int ?? -1, $0) }) { a, _ in a }
        #expect(byIndex.count == 5)
        let log0 = out.appendingPathComponent("trials/0.0/stderr.log").path
        #expect(byIndex[0]?["status"] as? String == "failed")
        #expect(byIndex[0]?["reason"] as? String == """
            exit status 3 after 0 reports; last lines of \(log0):
            loading data
            Traceback: boom in trial 0
            """)
        #expect(byIndex[1]?["status"] as? String == "failed")
        #expect((byIndex[1]?["reason"] as? String)?.hasPrefix("timed out after timeout_s = 1 s (stopped: SIGTERM, then SIGKILL after 5 s)") == true)
        #expect((byIndex[1]?["epochs"] as? [Any])?.count == 1)
        #expect(byIndex[2]?["status"] as? String == "diverged")
        #expect(byIndex[2]?["reason"] as? String == "epoch 2 reported train_loss = NaN")
        // The NaN program got the answers: epoch 1 continue, epoch 2 stop.
        let log2 = try String(contentsOfFile: out.appendingPathComponent("trials/2.0/stderr.log").path, encoding: .utf8)
        #expect(log2.contains("got {\"epoch\": 1, \"lr\": ") && log2.contains("\"stop\": false}"))
        #expect(log2.contains("\"stop\": true}"))
        #expect(byIndex[3]?["status"] as? String == "ok" && byIndex[4]?["status"] as? String == "ok")
        // Lines that are not reports went to the log.
        let log3 = try String(contentsOfFile: out.appendingPathComponent("trials/3.0/stderr.log").path, encoding: .utf8)
        #expect(log3 == "noise 1\nnoise 2\nnoise 3\n")
        // The run names the failures and the first one's log.
        #expect(String(decoding: r.stderr, as: UTF8.self).hasPrefix("warning: 2 trials failed; trial 0: exit status 3 after 0 reports; log: \(log0)\n"))
        // Failed trials rank last, after the diverged one.
        let ranked = try rankingWithoutTimesAndCommand(out).dropFirst().map { [$0[1], $0[3]] }
        #expect(ranked == [["3", "ok"], ["4", "ok"], ["2", "diverged"], ["1", "failed"], ["0", "failed"]])
    }

    @Test func threeFailuresInARowStopTheSearchWithTheLogExcerpt() throws {
        let dir = try scratch(["f.json5": """
            { name: "f", trials: 6, task: { command: ["/bin/sh", "fail.sh"], epochs: 2 },
              lr: 0.1, schedules: [{ family: "cosine" }] }
            """])
        try writeScripts(Self.scripts, in: dir)
        let r = try runLRSearchBounded(["run", "f.json5", "--quiet", "--jobs", "1"], in: dir, timeout: 60)
        #expect(r.ending == .exited(1))
        let log = dir.appendingPathComponent("results/f/trials/2.0/stderr.log").path
        #expect(String(decoding: r.stderr, as: UTF8.self).hasSuffix("""
            Error: the search stopped: 3 trials in a row failed, so the command is probably broken; the last, \
            trial 2 (repeat 0): exit status 3 after 0 reports; last lines of \(log):
            loading data
            Traceback: boom in trial 2

            """))
        #expect(try journalTrials(dir.appendingPathComponent("results/f")).count == 3)
    }

    @Test func killNineMidSearchAndResumeLoseNoFinishedTrial() throws {
        let dir = try scratch(["k.json5": """
            { name: "k", trials: 12, task: { command: ["/bin/sh", "slow.sh"], epochs: 3 },
              lr: { loguniform: [0.01, 0.1] }, schedules: [{ family: "cosine" }] }
            """])
        try writeScripts(["slow.sh": """
            for i in 1 2 3; do
              sleep 0.2
              echo "[lrsearch] {\\"epoch\\": $i, \\"train_loss\\": 0.5, \\"val_loss\\": 0.$LRSEARCH_TRIAL$i}"
            done

            """], in: dir)
        // The time limit kills lrsearch with SIGKILL mid-search (12 trials of about 0.6 s on one job).
        let first = try runLRSearchBounded(["run", "k.json5", "--quiet", "--jobs", "1"], in: dir, timeout: 3)
        #expect(first.ending == .timedOut)
        let out = dir.appendingPathComponent("results/k")
        let before = try lines(out.appendingPathComponent("trials.jsonl"))
        let finished = try journalTrials(out).count
        #expect(finished >= 1 && finished < 12)
        let resumed = try runLRSearchBounded(["run", "k.json5", "--quiet", "--jobs", "2", "--resume"], in: dir, timeout: 120)
        #expect(resumed.ending == .exited(0), "\(String(decoding: resumed.stderr, as: UTF8.self))")
        let after = try lines(out.appendingPathComponent("trials.jsonl"))
        #expect(Array(after.prefix(before.count)) == before)  // nothing finished was lost or rewritten
        let indices = try journalTrials(out).map { $0["index"] as? Int ?? -1 }.sorted()
        #expect(indices == Array(0..<12))  // the trial running at the kill ran again, once
        #expect(try journalTrials(out).allSatisfy { $0["status"] as? String == "ok" })
    }

    @Test func manyTrialsLeakNoDescriptorAndLeaveNoZombie() throws {
        let dir = try scratch(["many.json5": """
            { name: "many", trials: 40, task: { command: ["/bin/sh", "probe.sh"], epochs: 1 },
              lr: { loguniform: [0.01, 0.1] }, schedules: [{ family: "cosine" }] }
            """])
        // Each trial reports lrsearch's open descriptors and its zombie children (from /proc).
        try writeScripts(["probe.sh": """
            fds=$(ls /proc/$PPID/fd | wc -l)
            z=$(cat /proc/[0-9]*/status 2>/dev/null | awk -v p=$PPID '/^State:/{s=$2} /^PPid:/{if ($2 == p && s == "Z") z++} END{print z+0}')
            echo "[lrsearch] {\\"epoch\\": 1, \\"train_loss\\": 0.5, \\"val_loss\\": 0.5, \\"fds\\": $fds, \\"zombies\\": $z}"

            """], in: dir)
        let r = try runLRSearchBounded(["run", "many.json5", "--quiet", "--jobs", "3"], in: dir, timeout: 120)
        #expect(r.ending == .exited(0), "\(String(decoding: r.stderr, as: UTF8.self))")
        let logs = try (0..<40).map { i in
            try String(contentsOfFile: dir.appendingPathComponent("results/many/trials/\(i).0/stderr.log").path, encoding: .utf8)
        }
        #expect(logs.allSatisfy { $0.isEmpty })
        let trials = try journalTrials(dir.appendingPathComponent("results/many"))
        #expect(trials.count == 40)
        #expect(trials.allSatisfy { $0["status"] as? String == "ok" })
        let fds = try trials.sorted { ($0["index"] as? Int ?? 0) < ($1["index"] as? Int ?? 0) }.map { t -> (Int, Int) in
            let e = try #require((t["epochs"] as? [[String: Any]])?.first)
            return (e["fds"] as? Int ?? -1, e["zombies"] as? Int ?? -1)
        }
        // 3 jobs hold at most 3 × 3 descriptors at a time; a leak of one per trial would add 40.
        let early = fds.prefix(5).map(\.0).max() ?? 0
        #expect(fds.allSatisfy { $0.0 > 0 && $0.0 <= early + 9 }, "\(fds)")
        #expect(fds.allSatisfy { $0.1 <= 2 }, "\(fds)")  // at most the other running trials, just exited
    }

    @Test func ctrlCTwiceAbandonsTheRunningProgramsAndLeavesNoneBehind() throws {
        let marker = "lrsearch-abandon-\(UUID().uuidString)"
        let dir = try scratch(["h.json5": """
            { name: "h", trials: 4, task: { command: ["/bin/sh", "hang.sh", "\(marker)"], epochs: 3 },
              lr: 0.1, schedules: [{ family: "cosine" }] }
            """])
        // The marker in the program's argv finds it (and its child sleep, in its process group) in /proc.
        try writeScripts(["hang.sh": "echo '[lrsearch] {\"epoch\": 1, \"train_loss\": 1, \"val_loss\": 1}'\nsleep 100\n"], in: dir)
        let process = Process()
        process.executableURL = lrsearchBinary()
        process.arguments = ["run", "h.json5", "--jobs", "2", "--quiet"]
        process.currentDirectoryURL = dir
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        func programs() -> Int {
            let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return pids.filter { pid in
                guard Int(pid) != nil, let argv = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
                return String(decoding: argv, as: UTF8.self).contains(marker)
            }.count
        }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, programs() < 2 { Thread.sleep(forTimeInterval: 0.02) }
        #expect(programs() == 2)  // two trials running, each stuck in its sleep
        process.interrupt()  // Ctrl-C: no new trials; the running ones may finish (they will not)
        Thread.sleep(forTimeInterval: 0.3)
        process.interrupt()  // again: abandon them
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let gone = Date().addingTimeInterval(10)
        while Date() < gone, programs() > 0 { Thread.sleep(forTimeInterval: 0.02) }
        #expect(programs() == 0)
        #expect(try journalTrials(dir.appendingPathComponent("results/h")).isEmpty)  // abandoned trials are not results
    }

    @Test func trainProtocolReportsEachEpochAndStopsWhenTold() throws {
        let config = """
            { seed: 1, task: { command: ["ignored"], steps_per_epoch: 9, timeout_s: 5, dataset: "iris",
                               model: { hidden: [8] }, epochs: 4, batch_size: 16 },
              optimizer: { kind: "sgd", momentum: 0.9 }, schedule: { family: "step", lr: 0.1, step_size: 1, gamma: 0.5 } }
            """
        let dir = try scratch(["c.json5": config])
        let told = try runLRSearch(["train", "--protocol", "c.json5"], in: dir,
                                   stdin: "{\"epoch\": 1, \"lr\": 0.05, \"stop\": false}\n{\"epoch\": 2, \"lr\": 0.025, \"stop\": true}\n")
        #expect(told.status == 0)
        let reports = told.stdout.split(separator: "\n").map(String.init)
        #expect(reports.count == 2)
        #expect(reports.allSatisfy { $0.hasPrefix("[lrsearch] {\"epoch\": ") })
        #expect(reports[0].hasPrefix("[lrsearch] {\"epoch\": 1, \"lr\": 0.1, \"train_loss\": "))
        #expect(reports[1].hasPrefix("[lrsearch] {\"epoch\": 2, \"lr\": 0.05, \"train_loss\": "))  // step decay, γ = 0.5
        #expect(told.stderr.hasPrefix("dataset iris: 120 train / 30 val rows"))
        #expect(told.stderr.contains("status: pruned (2 epochs, 16 steps, "))
        // stdin closed at once (lrsearch gone): one report, then it stops.
        let alone = try runLRSearch(["train", "--protocol"], in: dir, environment: ["LRSEARCH_CONFIG": "c.json5", "PATH": "/usr/bin:/bin"])
        #expect(alone.status == 0)
        #expect(alone.stdout.split(separator: "\n").count == 1)
        let none = try runLRSearch(["train", "--protocol"], in: dir, environment: ["PATH": "/usr/bin:/bin"])
        #expect(none.status == 64)
        #expect(none.stderr.hasPrefix("Error: --protocol needs CONFIG or the environment variable LRSEARCH_CONFIG (set by a search)\n"))
    }

    @Test func badCommandsAreSpecErrors() throws {
        let dir = try scratch([
            "empty.json5": "{ task: { command: [], epochs: 2 }, schedules: [{ family: \"cosine\" }] }",
            "missing.json5": "{ task: { command: [\"./nope.sh\"] }, schedules: [{ family: \"cosine\" }] }",
            "timeout.json5": "{ task: { command: [\"./x\"], epochs: 2, timeout_s: -1 }, schedules: [{ family: \"cosine\" }] }",
            "auto.json5": "{ task: { command: [\"./x\"], epochs: 2 }, lr: { auto: true }, schedules: [{ family: \"cosine\" }] }",
        ])
        let empty = try runLRSearch(["validate", "empty.json5"], in: dir)
        #expect(empty.status == 64)
        #expect(empty.stderr == "Error: empty.json5:1:20: task.command: expected a non-empty array of strings (the program and its arguments), got []\n")
        let missing = try runLRSearch(["validate", "missing.json5"], in: dir)
        #expect(missing.status == 64)
        #expect(missing.stderr == "Error: missing.json5:1:21: task.command[0]: './nope.sh' is not an executable file in the spec's folder (.)\n")
        let timeout = try runLRSearch(["validate", "timeout.json5"], in: dir)
        #expect(timeout.status == 64)
        #expect(timeout.stderr == "Error: timeout.json5:1:51: task.timeout_s: must be a number of seconds in (0, 1e9], got -1\n")
        let auto = try runLRSearch(["validate", "auto.json5"], in: dir)
        #expect(auto.status == 64)
        #expect(auto.stderr == "Error: auto.json5:1:46: lr: { auto: true } runs the LR range test with the built-in trainer, "
                    + "so it cannot be used with task.command; give a range\n")
    }
}
