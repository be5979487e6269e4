// The shared journal of `run --join` peers: the O_EXCL lock file (grace, rename-then-unlink), whole
// appends, torn tails, byte-offset reads, and sessions of two peers in one folder.

import Foundation
import JSON5
@testable import Search
import Testing
import Trainer

#if canImport(Glibc)
import Glibc
#endif

private func folder() throws -> String {
    let dir = NSTemporaryDirectory() + "lrsearch-shared-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

private func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

private func record(_ n: Int) -> JSONValue {
    .object([JSONMember(key: "op", value: JSONNode("beat")), JSONMember(key: "n", value: JSONNode(.number(Double(n))))])
}

@Suite struct JournalFileLockTests {
    @Test func aLockIsAFileCreatedExclusivelyAndReleasedByRenameThenUnlink() throws {
        let dir = try folder()
        let lock = JournalFileLock(journal: dir + "/trials.jsonl", grace: 30)
        #expect(try lock.acquire() == 0)
        #expect(FileManager.default.fileExists(atPath: dir + "/trials.jsonl.lock"))
        #expect(lock.stillHeld)
        // Another holder cannot create it meanwhile.
        #expect(open(dir + "/trials.jsonl.lock", O_CREAT | O_EXCL | O_WRONLY, 0o644) == -1 && errno == EEXIST)
        lock.release()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)  // no lock, no renamed leftovers
    }

    @Test func aLockOlderThanTheGraceIsBrokenAndTakenOver() throws {
        let dir = try folder()
        let path = dir + "/trials.jsonl.lock"
        // A peer killed while holding the lock: its file stays, no longer refreshed.
        #expect(FileManager.default.createFile(atPath: path, contents: Data("4242 gone 0\n".utf8)))
        var times = [timeval(tv_sec: 1_000_000, tv_usec: 0), timeval(tv_sec: 1_000_000, tv_usec: 0)]
        #expect(utimes(path, &times) == 0)
        let lock = JournalFileLock(journal: dir + "/trials.jsonl", grace: 30)
        #expect(try lock.acquire() == 1)
        #expect(lock.stillHeld)
        #expect(text(path).hasPrefix("\(getpid()) "))  // ours now
        lock.release()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    /// A dangling symbolic link at the lock's path (O_EXCL says it exists, stat says it does not) used
    /// to make every peer retry for ever; it is judged by the link's own age and broken when stale.
    @Test func aStaleDanglingSymlinkAtTheLockPathIsBroken() throws {
        let dir = try folder()
        let path = dir + "/trials.jsonl.lock"
        #expect(symlink(dir + "/nowhere", path) == 0)
        var times = [timeval(tv_sec: 1_000_000, tv_usec: 0), timeval(tv_sec: 1_000_000, tv_usec: 0)]
        #expect(lutimes(path, &times) == 0)
        let lock = JournalFileLock(journal: dir + "/trials.jsonl", grace: 1)
        #expect(try lock.acquire() == 1)
        #expect(lock.stillHeld)
        lock.release()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    /// A leftover lock file stamped far in the future (a wrong clock) never grows old: it used to block
    /// every peer for ever. A modification time more than the grace away from now, either way, is stale.
    @Test func aLockStampedFarInTheFutureIsBroken() throws {
        let dir = try folder()
        let path = dir + "/trials.jsonl.lock"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("4242 gone 0\n".utf8)))
        let future = Int(Date().timeIntervalSince1970) + 3600
        var times = [timeval(tv_sec: future, tv_usec: 0), timeval(tv_sec: future, tv_usec: 0)]
        #expect(utimes(path, &times) == 0)
        let lock = JournalFileLock(journal: dir + "/trials.jsonl", grace: 30)
        #expect(try lock.acquire() == 1)
        #expect(text(path).hasPrefix("\(getpid()) "))
        lock.release()
    }

    @Test func aLockBrokenWhileHeldIsNotReleasedByItsFormerHolder() throws {
        let dir = try folder()
        let path = dir + "/trials.jsonl.lock"
        let lock = JournalFileLock(journal: dir + "/trials.jsonl", grace: 30)
        _ = try lock.acquire()
        // Another peer broke it and holds a new one.
        #expect(unlink(path) == 0)
        #expect(FileManager.default.createFile(atPath: path, contents: Data("other\n".utf8)))
        #expect(!lock.stillHeld)
        lock.release()
        #expect(text(path) == "other\n")
    }
}

@Suite struct SharedJournalTests {
    @Test func readersTakeOnlyCompleteLinesAndRememberTheirOffset() throws {
        let path = try folder() + "/trials.jsonl"
        let journal = SharedJournal(path: path)
        #expect(try journal.readNew() == [])  // no file yet
        try Data("{\"a\":1}\n{\"b\":".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try journal.readNew() == ["{\"a\":1}"])
        #expect(try journal.readNew() == [])  // the fragment waits for its newline
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("2}\n{\"c\":3}\n".utf8))
        try handle.close()
        #expect(try journal.readNew() == ["{\"b\":2}", "{\"c\":3}"])
        #expect(journal.stats.bytesRead == 24)
    }

    @Test func anAppendCutsATornTailAndWritesWholeLines() throws {
        let path = try folder() + "/trials.jsonl"
        // A peer died mid-write: a fragment without its newline.
        try Data("{\"op\":\"start\"}\n{\"op\":\"tri".utf8).write(to: URL(fileURLWithPath: path))
        let journal = SharedJournal(path: path)
        var seen: [String] = []
        try journal.transact { lines in
            seen = lines
            return [record(1), record(2)]
        }
        #expect(seen == ["{\"op\":\"start\"}"])
        #expect(text(path) == "{\"op\":\"start\"}\n{\"op\":\"beat\",\"n\":1}\n{\"op\":\"beat\",\"n\":2}\n")
        #expect(try journal.readNew() == [])  // its own lines are not read back
        #expect(journal.stats.appended == 2 && journal.stats.transactions == 1)
        #expect(!FileManager.default.fileExists(atPath: path + ".lock"))
    }

    /// A holder that stalls past the grace inside its transaction (SIGSTOP): another peer breaks its
    /// lock and appends. The stalled holder must then write nothing — it used to cut the other's
    /// complete lines off as a "torn tail" before noticing that it had lost the lock.
    @Test func aHolderWhoseLockWasBrokenNeitherCutsNorOverwritesTheNewLines() throws {
        let path = try folder() + "/trials.jsonl"
        try Data("{\"op\":\"start\"}\n".utf8).write(to: URL(fileURLWithPath: path))
        let stalled = SharedJournal(path: path)
        let other = SharedJournal(path: path)
        #expect(throws: JournalError.self) {
            try stalled.transact { _ in
                // Meanwhile (the holder is stopped): its lock is broken and another peer appends.
                let aside = path + ".lock.broken"
                #expect(rename(path + ".lock", aside) == 0 && unlink(aside) == 0)
                try other.transact { _ in [record(7)] }
                return [record(1)]
            }
        }
        #expect(text(path) == "{\"op\":\"start\"}\n{\"op\":\"beat\",\"n\":7}\n")
    }

    /// The journal deleted or truncated under a working peer: its next append used to write at its old
    /// offset, so the file began with that many NUL bytes and no later command could read it.
    @Test func aJournalDeletedOrTruncatedUnderAPeerIsAnErrorNotANulFilledFile() throws {
        let path = try folder() + "/trials.jsonl"
        let journal = SharedJournal(path: path)
        try journal.transact { _ in [record(1), record(2)] }
        #expect(unlink(path) == 0)
        #expect(throws: JournalError.self) { try journal.readNew() }
        #expect(throws: JournalError.self) { try journal.transact { _ in [record(3)] } }
        #expect(!FileManager.default.fileExists(atPath: path))
        try Data("{\"op\":\"start\"}\n".utf8).write(to: URL(fileURLWithPath: path))  // replaced by a shorter one
        #expect(throws: JournalError.self) { try journal.transact { _ in [record(4)] } }
        #expect(text(path) == "{\"op\":\"start\"}\n")
        #expect(!FileManager.default.fileExists(atPath: path + ".lock"))
    }

    /// Two writers (two instances, as two processes would be) on many threads: the lock file alone
    /// keeps them apart, so every record arrives whole, once, and each writer reads the other's.
    @Test func concurrentWritersNeverTearOrLoseALine() throws {
        let path = try folder() + "/trials.jsonl"
        let writers = [SharedJournal(path: path), SharedJournal(path: path)]
        let perThread = 25, threads = 4
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for k in 0..<perThread {
                _ = try? writers[t % 2].transact { _ in [record(t * 1000 + k)] }
            }
        }
        let lines = text(path).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.last == "")
        let numbers = try lines.dropLast().map { line -> Int in
            let node = try JSON5Parser.parse(String(line))
            guard case .number(let n)? = node.value["n"]?.value else { return -1 }
            return Int(n)
        }
        #expect(numbers.count == threads * perThread)
        #expect(Set(numbers) == Set((0..<threads).flatMap { t in (0..<perThread).map { t * 1000 + $0 } }))
        // Each writer read the other's lines (and not its own) up to its last write; what follows
        // it, it reads now: together, every byte once.
        let rest = try writers.map { try $0.readNew().count }
        #expect(writers.map(\.stats.appended) == [50, 50])
        #expect(writers.map(\.stats.bytesRead).reduce(0, +) == text(path).utf8.count)
        #expect(rest.reduce(0, +) <= 100)
    }

    @Test func aPlainReplayAcceptsThePeersRecords() throws {
        let text = """
            {"op":"start","version":4,"name":"x","spec_hash":"00"}
            {"op":"join","peer":"h:1:a","jobs":2}
            {"op":"claim","peer":"h:1:a","index":0,"repeat":0}
            {"op":"progress","peer":"h:1:a","index":0,"repeat":0,"epoch":1,"values":[0.5]}
            {"op":"beat","peer":"h:1:a"}
            {"op":"leave","peer":"h:1:a","seconds":1.5}

            """
        let replay = try Journal.replay(text: text, file: "j")
        #expect(replay.records.isEmpty && replay.specHash == "00")
        #expect(replay.info?.runs == 2)  // the start and one peer
    }
}

private let peerSpec = """
    { name: "peers", seed: 5, trials: 6, sampler: "tpe",
      task: { dataset: "iris", model: { hidden: [4] }, epochs: 3, batch_size: 16 },
      optimizer: { kind: "sgd", momentum: 0.9 },
      lr: { loguniform: [0.01, 0.3] },
      schedules: [{ family: "cosine" }, { family: "step", step_size: 1, gamma: { uniform: [0.3, 0.9] } }],
      pruner: { kind: "asha", min_epochs: 1, reduction_factor: 2 } }
    """

@Suite struct PeerSessionTests {
    private func session(_ dir: String, timeout: Double = 60) throws -> SearchSession {
        var options = RunOptions(jobs: 1, outDir: dir)
        options.join = true
        options.joinTimeout = timeout
        return try SearchSession(spec: try SearchSpec.parse(try JSON5Parser.parse(peerSpec), defaultName: "peers"), options: options)
    }

    /// `run --join --jobs 100000` started 100000 worker threads (a plain run starts at most one per
    /// trial) and hung; a peer's workers are capped at the search's units, and it still completes.
    @Test func aPeerStartsNoMoreWorkersThanTheSearchHasUnits() throws {
        let s = try session(try folder())
        let peer = JoinPeer(session: s, jobs: 1_000_000, execute: { id in
            let (config, seed, point) = s.config(for: id)
            return TrialRecord(id: id, seed: seed, sampled: config.value, family: try TrialRecord.family(of: config), state: .ok,
                               epochs: [EpochMetrics(epoch: 1, lr: 0.1, trainLoss: 1, valLoss: 0.5, valAccuracy: nil, seconds: 0)],
                               seconds: 0, point: point)
        }, onTrial: { _ in })
        #expect(s.units.count == 6)
        #expect(peer.jobs == 6)
        #expect(try peer.run() == .completed)
        #expect(s.sharedFinished == 6)
    }

    @Test func peersClaimInOrderAndNeverTheSameUnit() throws {
        let dir = try folder()
        let a = try session(dir), b = try session(dir)
        #expect(try a.claimNext() == .run(TrialID(index: 0, repeat: 0)))
        #expect(try b.claimNext() == .run(TrialID(index: 1, repeat: 0)))
        #expect(try a.claimNext() == .run(TrialID(index: 2, repeat: 0)))
        #expect(try b.claimNext() == .run(TrialID(index: 3, repeat: 0)))
        let ops = text(dir + "/trials.jsonl").split(separator: "\n").compactMap { line -> String? in
            guard case .string(let op)? = (try? JSON5Parser.parse(String(line)))?.value["op"]?.value else { return nil }
            return op
        }
        #expect(ops == ["start", "join", "join", "claim", "claim", "claim", "claim"])
    }

    @Test func aResultJournaledByOnePeerIsSeenByTheOtherAndNeverTwice() throws {
        let dir = try folder()
        let a = try session(dir), b = try session(dir)
        let id = TrialID(index: 0, repeat: 0)
        #expect(try a.claimNext() == .run(id))
        let (config, seed, point) = a.config(for: id)
        let result = TrialRecord(id: id, seed: seed, sampled: config.value, family: try TrialRecord.family(of: config), state: .ok,
                                 epochs: [EpochMetrics(epoch: 1, lr: 0.1, trainLoss: 1, valLoss: 0.25, valAccuracy: nil, seconds: 0.1)],
                                 seconds: 0.1, point: point)
        try a.record(result)
        try b.record(result)  // b ran it too (it took a for dead): the journal keeps one
        try b.refresh()
        #expect(b.records.map(\.id) == [id])
        let replay = try #require(try Journal.replay(path: dir + "/trials.jsonl"))
        #expect(replay.records.map(\.id) == [id])
    }

    @Test func aUnitClaimedByASilentPeerIsClaimedAgainAfterTheTimeout() throws {
        let dir = try folder()
        let a = try session(dir, timeout: 1)
        // A peer on another machine claimed trial 0 and fell silent.
        try SharedJournal(path: dir + "/trials.jsonl").transact { _ in
            [SearchSession.peerRecord("claim", peer: "elsewhere:7:dead", id: TrialID(index: 0, repeat: 0))]
        }
        #expect(try a.claimNext() == .run(TrialID(index: 1, repeat: 0)))  // still alive as far as a knows
        #expect(a.staleClaims().isEmpty)
        Thread.sleep(forTimeInterval: 1.2)
        #expect(a.staleClaims() == [TrialID(index: 0, repeat: 0)])
        #expect(try a.claimNext() == .run(TrialID(index: 0, repeat: 0)))
    }

    @Test func aClaimOfAProcessGoneFromThisHostIsFreeAtOnce() throws {
        let dir = try folder()
        let a = try session(dir)
        // pid 2^22 + 1 is above Linux's pid_max limit, so no process has it.
        try SharedJournal(path: dir + "/trials.jsonl").transact { _ in
            [SearchSession.peerRecord("claim", peer: "\(SearchSession.host):4194305:dead", id: TrialID(index: 0, repeat: 0))]
        }
        #expect(try a.claimNext() == .run(TrialID(index: 0, repeat: 0)))
    }

    @Test func aCorruptLineFromAnotherPeerIsAnErrorNamingItsLine() throws {
        let dir = try folder()
        let a = try session(dir)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/trials.jsonl"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"op\":\"beat\",\"peer\":\"p\"}\n{garbage\n".utf8))
        try handle.close()
        #expect(throws: JournalError.corrupt(file: dir + "/trials.jsonl", line: 4,
                                             reason: "expected ':' after the key 'garbage', found the end of the text")) {
            try a.refresh()
        }
    }

    @Test func aPlainRunIsRefusedWhilePeersWorkAndAPeerWhileAPlainRunDoes() throws {
        let dir = try folder()
        let peer = try session(dir)
        #expect(throws: SessionError.busy(.peers(folder: dir))) {
            try SearchSession(spec: try SearchSpec.parse(try JSON5Parser.parse(peerSpec), defaultName: "peers"), options: RunOptions(jobs: 1, outDir: dir))
        }
        _ = peer
        let other = try folder()
        let plain = try SearchSession(spec: try SearchSpec.parse(try JSON5Parser.parse(peerSpec), defaultName: "peers"), options: RunOptions(jobs: 1, outDir: other))
        #expect(throws: SessionError.self) { try session(other) }
        _ = plain
    }
}
