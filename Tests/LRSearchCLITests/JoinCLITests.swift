// `run --join`: several processes on one folder share one TPE+ASHA search through its journal, finish
// every trial exactly once, survive kill -9 of a peer and of a lock holder, and rank as one process does.

import Foundation
import JSON5
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The records of a journal, parsed (every line must be whole, valid JSON).
private func records(_ out: URL) throws -> [JSONValue] {
    try lines(out.appendingPathComponent("trials.jsonl")).map { try JSON5Parser.parse($0).value }
}

private func op(_ r: JSONValue) -> String {
    if case .string(let s)? = r["op"]?.value { return s }
    return ""
}

private func unit(_ r: JSONValue) -> String {
    if case .number(let i)? = r["index"]?.value, case .number(let k)? = r["repeat"]?.value { return "\(Int(i)).\(Int(k))" }
    return "?"
}

private func peer(_ r: JSONValue) -> String {
    if case .string(let s)? = r["peer"]?.value { return s }
    return ""
}

/// The adaptive spec with `trials` trials.
private func spec(trials: Int) -> String {
    adaptiveSpec.replacingOccurrences(of: "trials: 40", with: "trials: \(trials)")
}

@Suite struct JoinCLITests {
    @Test func threePeersFinishEveryTrialOnceAndRankAsOneProcess() throws {
        let dir = try scratch(["adaptive.json5": adaptiveSpec])
        let single = try runLRSearch(["run", "adaptive.json5", "--quiet", "--jobs", "1", "--out", "one"], in: dir)
        #expect(single.status == 0, "\(single.stderr)")
        let peers = try (0..<3).map { _ in
            try Background(["run", "adaptive.json5", "--quiet", "--jobs", "1", "--join", "--out", "shared"], in: dir)
        }
        for p in peers { #expect(p.exitCode() == 0, "\(p.stderr)") }
        let out = dir.appendingPathComponent("shared")
        let journal = try records(out)
        let trials = journal.filter { op($0) == "trial" }.map(unit)
        #expect(trials.count == 40 && Set(trials).count == 40)
        #expect(journal.filter { op($0) == "start" }.count == 1)
        // The start record gives the search's size, as a plain run's does (merge lists missing trials from it).
        let start = try #require(journal.first { op($0) == "start" })
        #expect(start["configurations"]?.value == .number(40) && start["repeats"]?.value == .number(1))
        #expect(journal.filter { op($0) == "join" }.count == 3)
        #expect(journal.filter { op($0) == "leave" }.count == 3)
        // Every trial was claimed once (nobody died), and ASHA's rung values were shared.
        #expect(journal.filter { op($0) == "claim" }.map(unit).sorted() == trials.sorted())
        #expect(journal.contains { op($0) == "progress" })
        #expect(try rankedWithoutTimes(out) == rankedWithoutTimes(dir.appendingPathComponent("one")))
        try expectConsistent(out, in: dir)
        // Running it again with --join finds the search finished and shows its ranking.
        let again = try runLRSearch(["run", "adaptive.json5", "--quiet", "--join", "--out", "shared"], in: dir)
        #expect(again.status == 0 && again.stderr.contains("already holds this search, finished"), "\(again.stderr)")
        #expect(try records(out).count == journal.count)
    }

    /// Of four peers, one is killed (-9) right after it claimed a trial, and another while it holds
    /// the journal lock (stopped with SIGSTOP while its pid is in the lock file, then killed). The two
    /// others break the lock after the grace, re-run the dead peers' trials with the same config and
    /// seed, and finish the search as one process would.
    @Test func killingAPeerAndALockHolderStopsNobody() throws {
        let dir = try scratch(["adaptive.json5": spec(trials: 90)])
        let single = try runLRSearch(["run", "adaptive.json5", "--quiet", "--jobs", "2", "--out", "one"], in: dir)
        #expect(single.status == 0, "\(single.stderr)")
        let out = dir.appendingPathComponent("shared")
        let args = ["run", "adaptive.json5", "--quiet", "--jobs", "1", "--join", "--out", "shared",
                    "--join-timeout", "2", "--lock-grace", "1"]
        let peers = try (0..<4).map { _ in try Background(args, in: dir) }
        let (claimer, holder) = (peers[1], peers[2])
        let mark = ":\(claimer.pid):"
        // Kill it right after it claimed a trial (a claim that appeared since the last look), so that it
        // dies running it.
        var seen = 0
        claimer.waitUntil {
            guard let journal = try? records(out) else { return false }
            defer { seen = journal.count }
            guard journal.filter({ op($0) == "trial" }).count >= 10, let last = journal.lastIndex(where: { peer($0).contains(mark) }),
                  last >= seen, op(journal[last]) == "claim" else { return false }
            return true
        }
        claimer.send(SIGKILL)
        #expect(claimer.exitCode() == nil)
        let lock = out.appendingPathComponent("trials.jsonl.lock")
        func holds() -> Bool {
            ((try? String(contentsOf: lock, encoding: .utf8)) ?? "").hasPrefix("\(holder.pid) ")
        }
        var killedHolding = false
        holder.waitUntil {
            guard holds() else { return false }
            holder.send(SIGSTOP)
            if holds() {
                killedHolding = true
                return true
            }
            holder.send(SIGCONT)
            return false
        }
        holder.send(SIGKILL)
        #expect(killedHolding)
        #expect(holder.exitCode() == nil)
        for p in [peers[0], peers[3]] { #expect(p.exitCode() == 0, "\(p.stderr)") }

        let journal = try records(out)  // every line whole
        let trials = journal.filter { op($0) == "trial" }.map(unit)
        #expect(trials.count == 90 && Set(trials).count == 90, "\(trials.count) records, \(Set(trials).count) trials")
        // Every trial a dead peer claimed was either journaled by it, or claimed again after its claim
        // and journaled by a survivor; the claimer's last one (it died running it) is of the second kind.
        let claims = journal.enumerated().filter { op($0.element) == "claim" }
        for dead in [mark, ":\(holder.pid):"] {
            for c in claims where peer(c.element).contains(dead) {
                let record = try #require(journal.first { op($0) == "trial" && unit($0) == unit(c.element) })
                if peer(record).contains(dead) { continue }
                #expect(claims.contains { $0.offset > c.offset && unit($0.element) == unit(c.element) && !peer($0.element).contains(dead) })
            }
        }
        let lost = try #require(claims.last { peer($0.element).contains(mark) })
        #expect(!peer(try #require(journal.first { op($0) == "trial" && unit($0) == unit(lost.element) })).contains(mark))
        // The dead holder's lock was broken (the survivors' leave records count it) and is gone.
        let broken = journal.filter { op($0) == "leave" }.map { r -> Double in
            if case .number(let n)? = r["broken_locks"]?.value { return n }
            return 0
        }
        #expect(broken.reduce(0, +) >= 1)  // 2 when the claimer too died holding it
        #expect(journal.filter { op($0) == "leave" }.count == 2)
        #expect(!FileManager.default.fileExists(atPath: lock.path))
        #expect(try rankedWithoutTimes(out) == rankedWithoutTimes(dir.appendingPathComponent("one")))
    }

    /// The median rule (which waits for finished peers) and Hyperband (brackets by index), with two
    /// seeds per configuration, rank the same shared as in one process.
    @Test(arguments: [("random", "{ kind: \"median\", warmup_epochs: 2, min_trials: 3 }"),
                      ("tpe", "{ kind: \"hyperband\", min_epochs: 1, reduction_factor: 3 }")])
    func otherPrunersAndRepeatsRankTheSameShared(sampler: String, pruner: String) throws {
        let text = spec(trials: 24).replacingOccurrences(of: "sampler: \"tpe\"", with: "sampler: \"\(sampler)\", repeats: 2")
            .replacingOccurrences(of: "pruner: { kind: \"asha\", min_epochs: 1, reduction_factor: 3 }", with: "pruner: \(pruner)")
        let dir = try scratch(["v.json5": text])
        let single = try runLRSearch(["run", "v.json5", "--quiet", "--jobs", "2", "--out", "one"], in: dir)
        #expect(single.status == 0, "\(single.stderr)")
        let peers = try (0..<3).map { _ in try Background(["run", "v.json5", "--quiet", "--jobs", "1", "--join", "--out", "shared"], in: dir) }
        for p in peers { #expect(p.exitCode() == 0, "\(p.stderr)") }
        let ranked = try rankedWithoutTimes(dir.appendingPathComponent("shared"))
        #expect(ranked.count == 25)
        #expect(ranked.contains { $0.contains(",pruned,") })
        #expect(ranked == (try rankedWithoutTimes(dir.appendingPathComponent("one"))))
        #expect(Set(trialLines(dir.appendingPathComponent("shared"))).count == 48)
    }

    @Test func aPlainRunIsRefusedWhilePeersWork() throws {
        let dir = try scratch(["long.json5": longSpec])
        let out = dir.appendingPathComponent("results/tiny")
        let peer = try Background(["run", "long.json5", "--jobs", "1", "--join"], in: dir)
        peer.waitUntil { trialLines(out).count >= 1 }
        for extra in [["--resume"], ["--overwrite"], []] {
            let r = try runLRSearch(["run", "long.json5", "--quiet"] + extra, in: dir)
            #expect(r.status == 1, "\(extra): \(r.stderr)")
            #expect(r.stderr == "Error: results/tiny/ is in use by peers of a shared search (run --join); join them with --join, "
                        + "wait for them to finish, or pass --out DIR to write elsewhere\n")
        }
        peer.send(SIGINT)
        #expect(peer.exitCode() == 130)
        #expect(peer.stderr.contains("`lrsearch run long.json5 --join` runs the other"), "\(peer.stderr)")
        // A plain run holds the folder: a peer is refused.
        let plain = try Background(["run", "long.json5", "--jobs", "1", "--resume"], in: dir)
        let before = trialLines(out).count
        plain.waitUntil { trialLines(out).count > before }
        let r = try runLRSearch(["run", "long.json5", "--quiet", "--join"], in: dir)
        #expect(r.status == 1 && r.stderr.hasPrefix("Error: results/tiny/ is in use by another lrsearch run (pid \(plain.pid)"), "\(r.stderr)")
        plain.send(SIGKILL)
        _ = plain.exitCode()
    }

    @Test func joinFlagsAreCheckedAsUsage() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        for (args, message) in [
            (["--join", "--shard", "0/2"], "--join and --shard contradict each other: peers share every trial of one journal"),
            (["--join", "--overwrite"], "--overwrite cannot be used with --join: peers never delete the shared journal"),
            (["--join-timeout", "5"], "--join-timeout only applies with --join"),
            (["--lock-grace", "5"], "--lock-grace only applies with --join"),
            (["--join", "--join-timeout", "0.5"], "--join-timeout expects seconds between 1 and 86400, got 0.5"),
            (["--join", "--join-timeout", "30"], "--join-timeout (30 s) must be at least twice --lock-grace (30 s): "
                + "a peer waiting for a dead peer's lock would look dead"),
        ] {
            let r = try runLRSearch(["run", "tiny.json5", "--quiet"] + args, in: dir)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        let help = try runLRSearch(["run", "--help"])
        for flag in ["--join", "--join-timeout", "--lock-grace", "docs/journal.md"] { #expect(help.stdout.contains(flag)) }
    }
}
