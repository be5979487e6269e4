// Results are never lost, mixed or written elsewhere: real processes, real signals, a real second run.

import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// 400 trials of a few tenths of a second: long enough to be interrupted at any point.
let longSpec = tinySpec.replacingOccurrences(of: "trials: 6", with: "trials: 400")
    .replacingOccurrences(of: "dataset: \"iris\", model: { hidden: [8] }, epochs: 3",
                          with: "dataset: \"digits\", model: { hidden: [64] }, epochs: 5")

/// A running `lrsearch` whose stderr goes to a file the test can watch.
final class Background {
    let process = Process()
    let errFile: URL

    init(_ args: [String], in dir: URL) throws {
        errFile = dir.appendingPathComponent("stderr-" + UUID().uuidString)
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        process.executableURL = lrsearchBinary()
        process.arguments = args
        process.currentDirectoryURL = dir
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: errFile)
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var stderr: String { (try? String(contentsOf: errFile, encoding: .utf8)) ?? "" }

    /// Waits (at most a minute, a safety net only) until `condition` holds.
    func waitUntil(_ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning, !condition() { usleep(2000) }
    }

    func send(_ signal: Int32) { kill(pid, signal) }

    /// The exit code, or nil when a signal ended the process.
    func exitCode() -> Int32? {
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }
}

func trialLines(_ dir: URL) -> [String] {
    ((try? lines(dir.appendingPathComponent("trials.jsonl"))) ?? []).filter { $0.hasPrefix("{\"op\":\"trial\"") }
}

/// Every file of the folder ranks exactly the journal's trials: ranked.csv equals `report --format
/// csv` byte for byte, and ranked.md has one row per configuration (its repeats averaged).
func expectConsistent(_ out: URL, in dir: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let trials = Set(trialLines(out).map { $0.split(separator: ",")[1] }).count  // distinct "index":i
    let csv = try String(contentsOf: out.appendingPathComponent("ranked.csv"), encoding: .utf8)
    #expect(csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == 1 + trials, sourceLocation: sourceLocation)
    let report = try runLRSearch(["report", out.path, "--format", "csv"], in: dir)
    #expect(report.status == 0 && report.stdout == csv, "\(report.stderr)", sourceLocation: sourceLocation)
    // One table row per configuration, whichever block (complete, pruned, diverged) it stands in.
    let rows = try lines(out.appendingPathComponent("ranked.md")).filter { $0.hasPrefix("| ") && !$0.hasPrefix("| rank ") }
    #expect(rows.count == trials, sourceLocation: sourceLocation)
    #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path), sourceLocation: sourceLocation)
}

@Suite struct RunLockCLITests {
    @Test func aSecondProcessOnTheSameFolderIsRefusedWithTheHoldersPid() throws {
        let dir = try scratch(["long.json5": longSpec])
        let out = dir.appendingPathComponent("results/tiny")
        let first = try Background(["run", "long.json5", "--jobs", "1"], in: dir)
        first.waitUntil { trialLines(out).count >= 1 }
        let startRecord = try lines(out.appendingPathComponent("trials.jsonl"))[0]
        for extra in [["--overwrite"], ["--resume"], []] {
            let r = try runLRSearch(["run", "long.json5", "--quiet"] + extra, in: dir)
            #expect(r.status == 1, "\(extra): \(r.stderr)")
            #expect(r.stderr.hasPrefix("Error: results/tiny/ is in use by another lrsearch run (pid \(first.pid), started 20"),
                    "\(r.stderr)")
            #expect(r.stderr.hasSuffix("; wait for it to finish, or pass --out DIR to write elsewhere\n"))
        }
        // Reading is fine while it runs; rewriting its report is not.
        let report = try runLRSearch(["report", "results/tiny"], in: dir)
        #expect(report.status == 0 && report.stdout.hasPrefix("tiny: "), "\(report.stderr)")
        let html = try runLRSearch(["report", "results/tiny", "--html"], in: dir)
        #expect(html.status == 1 && html.stderr.contains("is in use by another lrsearch run (pid \(first.pid)"))
        first.send(SIGINT)
        #expect(first.exitCode() == 130)
        #expect(try lines(out.appendingPathComponent("trials.jsonl"))[0] == startRecord)  // never replaced
        try expectConsistent(out, in: dir)
        // The lock went with its holder.
        #expect(try runLRSearch(["report", "results/tiny", "--html"], in: dir).status == 0)
    }

    @Test func killMinus9LeavesNoStaleLockAndATornJournalStillResumes() throws {
        let dir = try scratch(["long.json5": longSpec.replacingOccurrences(of: "trials: 400", with: "trials: 12")])
        let out = dir.appendingPathComponent("results/tiny")
        let first = try Background(["run", "long.json5", "--jobs", "2", "--quiet"], in: dir)
        first.waitUntil { trialLines(out).count >= 2 }
        first.send(SIGKILL)
        #expect(first.exitCode() == nil)  // killed
        // A torn last line as a kill -9 mid-write leaves it.
        let handle = try FileHandle(forWritingTo: out.appendingPathComponent("trials.jsonl"))
        handle.seekToEndOfFile()
        handle.write(Data("{\"op\":\"trial\",\"index\":7,\"rep".utf8))
        try handle.close()
        let r = try runLRSearch(["run", "long.json5", "--quiet", "--resume"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(trialLines(out).count == 12)
        try expectConsistent(out, in: dir)
    }
}

@Suite struct SignalCLITests {
    /// Starts the long search, waits until its signal handling is in place (the banner is printed
    /// after it) and `trials` trials are journaled, then sends `signals`.
    func interrupt(after trials: Int, with signals: [Int32], gapMicroseconds: UInt32 = 0) throws -> (Int32?, URL, URL, String) {
        let dir = try scratch(["long.json5": longSpec])
        let out = dir.appendingPathComponent("results/tiny")
        let run = try Background(["run", "long.json5", "--jobs", "2"], in: dir)
        run.waitUntil { run.stderr.contains("Searching 'tiny'") && trialLines(out).count >= trials }
        for s in signals {
            run.send(s)
            if gapMicroseconds > 0 { usleep(gapMicroseconds) }
        }
        return (run.exitCode(), dir, out, run.stderr)
    }

    @Test func ctrlCBeforeAnyTrialFinishedStillWritesTheFolder() throws {
        let (code, dir, out, _) = try interrupt(after: 0, with: [SIGINT])
        #expect(code == 130)
        try expectConsistent(out, in: dir)
    }

    @Test func aSecondCtrlCRightAfterTheFirstAbandonsButStillWritesTheRanking() throws {
        let (code, dir, out, stderr) = try interrupt(after: 2, with: [SIGINT, SIGINT])
        #expect(code == 130, "\(stderr)")
        #expect(trialLines(out).count >= 2)
        try expectConsistent(out, in: dir)
    }

    @Test func threeSignalsInARowDoNotKillIt() throws {
        let (code, dir, out, stderr) = try interrupt(after: 1, with: [SIGINT, SIGINT, SIGINT, SIGINT], gapMicroseconds: 1000)
        #expect(code == 130, "\(stderr)")
        try expectConsistent(out, in: dir)
    }

    @Test func sigtermBehavesLikeCtrlCAndExits143() throws {
        let (code, dir, out, stderr) = try interrupt(after: 2, with: [SIGTERM])
        #expect(code == 143, "\(stderr)")
        #expect(stderr.contains("Stopping (SIGTERM): waiting for "))
        #expect(stderr.hasSuffix("`lrsearch run long.json5 --resume` runs the other \(400 - trialLines(out).count)\n"))
        try expectConsistent(out, in: dir)
        // The first signal decides the code, whatever follows.
        let (mixed, dir2, out2, _) = try interrupt(after: 1, with: [SIGTERM, SIGINT, SIGINT])
        #expect(mixed == 143)
        try expectConsistent(out2, in: dir2)
    }

    @Test func aClosedTerminalsSighupStopsItLikeCtrlCAndExits129() throws {
        let (code, dir, out, stderr) = try interrupt(after: 1, with: [SIGHUP])
        #expect(code == 129, "\(stderr)")
        #expect(stderr.contains("Stopping (SIGHUP, the terminal closed): waiting for "))
        try expectConsistent(out, in: dir)
    }

    @Test func signalsWhileTheResultsAreWrittenNeverKillIt() throws {
        // A finished search run again only writes its results: signal it throughout that.
        let dir = try scratch(["tiny.json5": tinySpec])
        let out = dir.appendingPathComponent("results/tiny")
        #expect(try runLRSearch(["run", "tiny.json5", "--quiet"], in: dir).status == 0)
        for _ in 0..<3 {
            let run = try Background(["run", "tiny.json5"], in: dir)
            run.waitUntil { run.stderr.contains("already holds this search") }
            while run.process.isRunning {
                run.send(SIGINT)
                usleep(500)
            }
            let code = run.exitCode()
            // Exited by itself, never by a signal: 130 when a signal came before the exit code was
            // chosen, 0 when the results were already complete by then.
            #expect(code == 130 || code == 0, "\(run.stderr)")
            try expectConsistent(out, in: dir)
        }
    }
}

@Suite struct OneSourceOfTruthTests {
    @Test func resumeWithFewerTrialsRanksTheWholeJournalAsReportDoes() throws {
        let dir = try scratch(["tiny.json5": tinySpec.replacingOccurrences(of: "trials: 6", with: "trials: 8")])
        let out = dir.appendingPathComponent("results/tiny")
        #expect(try runLRSearch(["run", "tiny.json5", "--quiet"], in: dir).status == 0)
        let best = try String(contentsOf: out.appendingPathComponent("best.json"), encoding: .utf8)
        let ranking = try rankingWithoutSeconds(out)
        let r = try runLRSearch(["run", "tiny.json5", "--resume", "--trials", "3"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("(resuming: 3 finished, 0 to run)\n  the journal also holds 5 finished trials outside these; "
                                  + "the ranking covers them too"))
        #expect(r.stdout.split(separator: "\n").filter { $0.contains(" ok ") }.count == 8)
        #expect(try String(contentsOf: out.appendingPathComponent("best.json"), encoding: .utf8) == best)
        #expect(try rankingWithoutSeconds(out) == ranking)
        try expectConsistent(out, in: dir)
        // Without --resume the same: the folder holds trials 0-2, finished; it shows all eight.
        let again = try runLRSearch(["run", "tiny.json5", "--trials", "3"], in: dir)
        #expect(again.status == 0 && again.stdout.split(separator: "\n").filter { $0.contains(" ok ") }.count == 8)
    }

    @Test func aTamperedJournalIsRefusedWithItsLineByRunAndReport() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        let journal = dir.appendingPathComponent("results/tiny/trials.jsonl")
        // --jobs 1: trial 0 is then the journal's first trial line, as the expected message says.
        #expect(try runLRSearch(["run", "tiny.json5", "--quiet", "--trials", "3", "--jobs", "1"], in: dir).status == 0)
        let original = try lines(journal)
        // A duplicated trial line: not an extra repeat.
        try (original + [original[1]]).joined(separator: "\n").appending("\n").write(to: journal, atomically: true, encoding: .utf8)
        for args in [["run", "tiny.json5", "--quiet", "--resume"], ["report", "results/tiny"]] {
            let r = try runLRSearch(args, in: dir)
            #expect(r.status == 64)
            #expect(r.stderr == "Error: results/tiny/trials.jsonl:\(original.count + 1): the journal is corrupt: trial 0 repeat 0 "
                    + "is already recorded on line 2; each trial is journaled once\n", "\(args)")
        }
        // No start record: nothing to check the spec against.
        try original.dropFirst().joined(separator: "\n").appending("\n").write(to: journal, atomically: true, encoding: .utf8)
        let r = try runLRSearch(["run", "tiny.json5", "--quiet", "--resume"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr == "Error: results/tiny/trials.jsonl:1: the journal is corrupt: the first record must be the "
                + "\"start\" record, found \"trial\"\n")
        // Relabelled: trial 1's line claims to be trial 5.
        let relabelled = original.map { $0.replacingOccurrences(of: "{\"op\":\"trial\",\"index\":1,", with: "{\"op\":\"trial\",\"index\":5,") }
        try relabelled.joined(separator: "\n").appending("\n").write(to: journal, atomically: true, encoding: .utf8)
        let line = try #require(relabelled.firstIndex { $0.contains("\"index\":5,") }) + 1
        let bad = try runLRSearch(["run", "tiny.json5", "--quiet", "--resume", "--trials", "6"], in: dir)
        #expect(bad.status == 64)
        #expect(bad.stderr.hasPrefix("Error: results/tiny/trials.jsonl:\(line): the journal is corrupt: trial 5 repeat 0: seed "))
    }

    @Test func everyJournalLineIsStrictJSONEvenForDivergedTrials() throws {
        // lr from 0.5 to 500: two trials finish, four diverge and journal NaN or infinite losses.
        let dir = try scratch(["d.json5": tinySpec.replacingOccurrences(of: "[0.01, 0.3]", with: "[0.5, 500]")])
        let r = try runLRSearch(["run", "d.json5", "--quiet"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let journal = try lines(dir.appendingPathComponent("results/tiny/trials.jsonl"))
        #expect(journal.contains { $0.contains("\"status\":\"diverged\"") })
        #expect(journal.contains { $0.contains("\"NaN\"") || $0.contains("Infinity\"") })
        for line in journal { _ = try JSONSerialization.jsonObject(with: Data(line.utf8)) }
        #expect(try runLRSearch(["run", "d.json5", "--quiet", "--resume"], in: dir).status == 0)  // and it replays
    }
}

@Suite struct WritingOutsideTheFolderTests {
    @Test func anEmptyOrFileOutIsRefusedBeforeAnythingIsWritten() throws {
        let dir = try scratch(["tiny.json5": tinySpec, "taken": "x"])
        let empty = try runLRSearch(["run", "tiny.json5", "--out", ""], in: dir)
        #expect(empty.status == 64)
        #expect(empty.stderr.hasPrefix("Error: --out expects a results folder, got an empty string (use --out . for the current folder)\n"))
        let file = try runLRSearch(["run", "tiny.json5", "--out", "taken"], in: dir)
        #expect(file.status == 64)
        #expect(file.stderr.hasPrefix("Error: --out 'taken' is a file; it must be a results folder (or a path to create one)\n"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().filter { !$0.hasPrefix("stderr") } == ["taken", "tiny.json5"])
    }

    @Test(arguments: [
        (#""a\u0000b""#, #""a\u0000b""#), (#""a\nb""#, #""a\nb""#), (#""a\u001b[31mb""#, #""a\u001b[31mb""#),
        (#""a/b""#, #""a/b""#), (#""..""#, #""..""#), (#"".""#, #"".""#), (#""""#, #""""#), (#""a\u007fb""#, #""a\u007fb""#),
    ])
    func aNameThatIsNotOneFolderNameIsALocatedSpecError(name: String, shown: String) throws {
        let dir = try scratch(["n.json5": "{ name: \(name), trials: 2, task: { dataset: \"iris\" }, schedules: [{ family: \"cosine\" }] }"])
        for command in ["run", "validate"] {
            let r = try runLRSearch([command, "n.json5"], in: dir)
            #expect(r.status == 64)
            #expect(r.stderr == "Error: n.json5:1:9: name: must be usable as a folder name: non-empty, at most 255 bytes, "
                    + "no '/', no leading '.', no control characters, got \(shown)\n")
            #expect(!r.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || $0.value == 0x7F })
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("results").path))
    }

    @Test func aNameOver255BytesIsRefused() throws {
        let name = String(repeating: "é", count: 128)  // 256 bytes in UTF-8
        let dir = try scratch(["n.json5": "{ name: \"\(name)\", trials: 2, task: { dataset: \"iris\" }, schedules: [{ family: \"cosine\" }] }"])
        let r = try runLRSearch(["run", "n.json5"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("Error: n.json5:1:9: name: must be usable as a folder name: non-empty, at most 255 bytes, "
                                   + "no '/', no leading '.', no control characters, got 256 bytes: \"éééé"))
        #expect(try runLRSearch(["run", "n.json5", "--out", "x"], in: dir).status == 64)  // --out does not excuse it
    }

    @Test func controlCharactersInPathsAreEscapedInMessages() throws {
        let dir = try scratch()
        let spec = try runLRSearch(["run", "a\u{1B}[2Jb.json5"], in: dir)
        #expect(spec.status == 64)
        #expect(spec.stderr == "Error: cannot read spec 'a\\u{1B}[2Jb.json5': no such file\n")
        let report = try runLRSearch(["report", "x\ny\u{7}"], in: dir)
        #expect(report.status == 64)
        #expect(report.stderr.hasPrefix("Error: x\ny\\u{7}: no such folder"))  // message newlines stay; BEL does not
    }

    @Test(arguments: ["trials: 1e12", "trials: 3, repeats: 1e9"])
    func aHugeSearchStartsAtOnce(budget: String) throws {
        let dir = try scratch(["huge.json5": longSpec.replacingOccurrences(of: "trials: 400", with: budget)])
        let out = dir.appendingPathComponent("results/tiny")
        let run = try Background(["run", "huge.json5", "--jobs", "1"], in: dir)
        run.waitUntil { trialLines(out).count >= 2 }
        run.send(SIGINT)
        #expect(run.exitCode() == 130, "\(run.stderr)")
        let total = budget.hasPrefix("trials: 1e12") ? "1000000000000" : "3000000000"
        #expect(run.stderr.contains("Searching 'tiny': \(total) trials"), "\(run.stderr)")
        #expect(run.stderr.contains("interrupted: \(trialLines(out).count) of \(total) trials are in results/tiny/trials.jsonl"))
        try expectConsistent(out, in: dir)
    }
}

@Suite struct MoreOfTheClassTests {
    @Test func aClosedOutputPipeDoesNotLoseTheResults() throws {
        // `lrsearch run … 2>&1 | head -1`: the reader is gone before the run ends.
        let dir = try scratch(["tiny.json5": tinySpec])
        let process = Process()
        process.executableURL = lrsearchBinary()
        process.arguments = ["run", "tiny.json5"]
        process.currentDirectoryURL = dir
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try pipe.fileHandleForReading.close()
        try process.run()
        try pipe.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        try expectConsistent(dir.appendingPathComponent("results/tiny"), in: dir)
    }

    @Test func aJournalThatIsAFolderOrALinkToNowhereIsNamed() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("x/trials.jsonl"), withIntermediateDirectories: true)
        let folder = try runLRSearch(["run", "tiny.json5", "--out", "x"], in: dir)
        #expect(folder.status == 1)
        #expect(folder.stderr == "Error: x/trials.jsonl: is a folder, not a journal file\n")
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("gone").path, withDestinationPath: "/nonexistent/lrsearch")
        let link = try runLRSearch(["run", "tiny.json5", "--out", "gone"], in: dir)
        #expect(link.status == 1)
        #expect(link.stderr == "Error: gone: is a symbolic link to /nonexistent/lrsearch, which does not exist\n")
    }

    @Test func aStartRecordWithoutASpecHashIsNotResumedBlindly() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        #expect(try runLRSearch(["run", "tiny.json5", "--quiet", "--trials", "2"], in: dir).status == 0)
        let journal = dir.appendingPathComponent("results/tiny/trials.jsonl")
        var text = try lines(journal)
        text[0] = text[0].replacingOccurrences(of: #"("spec_hash":"[0-9a-f]+",)"#, with: "", options: .regularExpression)
        try (text.joined(separator: "\n") + "\n").write(to: journal, atomically: true, encoding: .utf8)
        let r = try runLRSearch(["run", "tiny.json5", "--quiet", "--resume"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("Error: results/tiny/trials.jsonl was written by a different spec (hash none recorded, this spec is "))
    }

    @Test func escapeSequencesInAJournalAreShownEscapedByReport() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        #expect(try runLRSearch(["run", "tiny.json5", "--quiet", "--trials", "2"], in: dir).status == 0)
        let journal = dir.appendingPathComponent("results/tiny/trials.jsonl")
        let original = try String(contentsOf: journal, encoding: .utf8)
        // The search's name is free text: shown, escaped.
        try original.replacingOccurrences(of: "\"name\":\"tiny\"", with: "\"name\":\"ti\\u001b[2Jny\"")
            .write(to: journal, atomically: true, encoding: .utf8)
        let r = try runLRSearch(["report", "results/tiny"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.unicodeScalars.contains("\u{1B}"))
        #expect(r.stdout.contains("\\u{1B}[2J"))
        // A family is typed when the journal is read: an unknown one is refused (exit 64), its text escaped.
        try original.replacingOccurrences(of: "\"family\":\"cosine\"", with: "\"family\":\"co\\u001b[2Jsine\"")
            .replacingOccurrences(of: "\"family\":\"step\"", with: "\"family\":\"st\\u001b[2Jep\"")
            .write(to: journal, atomically: true, encoding: .utf8)
        let refused = try runLRSearch(["report", "results/tiny"], in: dir)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("config.schedule.family"), "\(refused.stderr)")
        #expect(!refused.stderr.unicodeScalars.contains("\u{1B}"))
    }

    @Test func overwriteLeavesNoFileOfTheEarlierSearch() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        let out = dir.appendingPathComponent("results/tiny")
        #expect(try runLRSearch(["run", "tiny.json5", "--quiet"], in: dir).status == 0)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("param-2-gamma-step.svg").path))
        try "keep".write(to: out.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        // Same name, one family, an LR that diverges every trial: no winner, no gamma.
        let other = tinySpec.replacingOccurrences(of: "[0.01, 0.3]", with: "[1e4, 1e5]")
            .replacingOccurrences(of: #", { family: "step", step_size: 1, gamma: { uniform: [0.3, 0.9] } }"#, with: "")
        try other.write(to: dir.appendingPathComponent("tiny.json5"), atomically: true, encoding: .utf8)
        let r = try runLRSearch(["run", "tiny.json5", "--quiet", "--overwrite"], in: dir)
        // Nothing to rank is a failure with its reason (issue 12), and the folder still holds only this search.
        #expect(r.status == 1 && r.stderr.contains("all 6 trials diverged"), "\(r.stderr)")
        #expect(trialLines(out).allSatisfy { $0.contains("\"status\":\"diverged\"") })
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("best.json").path))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("param-2-gamma-step.svg").path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("notes.txt").path))
        try expectConsistent(out, in: dir)
    }

    @Test func helpStatesTheExitCodesOfSignals() throws {
        let r = try runLRSearch(["help", "run"])
        #expect(r.stdout.contains("the exit code is 130 after SIGINT, 143 after SIGTERM (128 + the first signal;"))
        #expect(r.stdout.contains("is refused (exit 1) with the holder's pid and start time"))
    }
}
