// A `--join` peer's view of the shared journal: who claimed what, who is alive, what finished; and the
// records it adds (claims, heartbeats, rung values, results). The protocol is in docs/journal.md.

import Foundation
import JSON5

/// What a peer has read of the shared journal besides the trial records.
struct PeerLedger {
    /// Units whose trial record is in the journal (or was written by this peer).
    var known: Set<TrialID>
    /// Lines of the journal read so far (not counting this peer's own appends).
    var lines: Int
    /// The last claim of each unit not yet finished: the claiming peer.
    var claims: [TrialID: String] = [:]
    /// When (this machine's uptime, seconds) a record of each peer was last read; a peer that left
    /// has -infinity, so its unfinished claims are free at once.
    var lastSeen: [String: Double] = [:]
    /// Units this process is running.
    var running: Set<TrialID> = []
    /// When this peer last wrote (uptime seconds).
    var lastWrite = ProcessInfo.processInfo.systemUptime
    /// The first unit (in hand-out order) that may not be finished; every earlier one is.
    var cursor = TrialID(index: 0, repeat: 0)
    /// An error met while journaling rung values (see `takeFailure`).
    var failure: (any Error)?
}

/// What a free worker of a peer is given.
public enum PeerClaim: Equatable, Sendable {
    /// Run this unit: it is claimed for this peer in the journal.
    case run(TrialID)
    /// Every unfinished unit is claimed by a live peer (or running here): look again later.
    case wait
    /// Every unit is finished.
    case done
}

extension SearchSession {
    static func peerRecord(_ op: String, peer: String, id: TrialID? = nil, extra: [(String, JSONValue)] = []) -> JSONValue {
        var members: [(String, JSONValue)] = [("op", .string(op)), ("peer", .string(peer))]
        if let id { members += [("index", .number(Double(id.index))), ("repeat", .number(Double(id.repeat)))] }
        members += extra
        members.append(("time", .string(ISO8601DateFormatter().string(from: Date()))))
        return .object(members.map { JSONMember(key: $0.0, value: JSONNode($0.1)) })
    }

    /// Takes in journal lines other peers wrote: their results (into `records` and the board), their
    /// rung values (into the board), their claims and signs of life.
    /// - Parameter after: the journal lines before the first of `lines` (by default, every line read
    ///   or appended by this peer so far).
    func absorb(_ lines: [String], after: Int? = nil) throws(JournalError) {
        guard !lines.isEmpty else { return }
        let appended = shared?.stats.appended ?? 0
        let started = Date()
        let now = ProcessInfo.processInfo.systemUptime
        var results: [TrialRecord] = []
        var progress: [(TrialID, [Double])] = []
        try ledger.withLock { (l: inout PeerLedger) throws(JournalError) in
            var number = after ?? l.lines + appended
            for line in lines {
                l.lines += 1
                number += 1
                guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                let node: JSONNode
                do {
                    node = try JSON5Parser.parse(line)
                } catch {
                    throw .corrupt(file: journalPath, line: number, reason: (error as? JSON5SyntaxError)?.message ?? "\(error)")
                }
                let value = node.value
                guard case .string(let op)? = value["op"]?.value else {
                    throw .corrupt(file: journalPath, line: number, reason: "a record without an \"op\"")
                }
                var peer: String?
                if case .string(let p)? = value["peer"]?.value { peer = p }
                if let peer { l.lastSeen[peer] = op == "leave" ? -.infinity : now }
                func unit() -> TrialID? {
                    guard case .number(let i)? = value["index"]?.value, case .number(let r)? = value["repeat"]?.value,
                          i >= 0, r >= 0, i < 1e15, r < 1e15, i == i.rounded(), r == r.rounded() else { return nil }
                    return TrialID(index: Int(i), repeat: Int(r))
                }
                switch op {
                case "trial":
                    let record: TrialRecord
                    do {
                        record = try TrialRecord(json: node)
                    } catch {
                        throw .corrupt(file: journalPath, line: number, reason: "\(error)")
                    }
                    l.claims[record.id] = nil
                    if l.known.insert(record.id).inserted { results.append(record) }
                case "claim":
                    if let id = unit(), let peer, !l.known.contains(id) { l.claims[id] = peer }
                case "progress":
                    guard let id = unit(), !l.running.contains(id), case .array(let items)? = value["values"]?.value else { continue }
                    let values = items.compactMap { n -> Double? in try? TrialRecord.double(n, path: "values") }
                    if values.count == items.count { progress.append((id, values)) }
                default:
                    continue  // start, join, beat, leave, resume, end: signs of life only
                }
            }
        }
        if !results.isEmpty {
            finished.withLock { $0.append(contentsOf: results) }
            for r in results where units.contains(r.id) {
                board.finish(r.id, values: spec.objective.curve(r.epochs), complete: r.state == .ok)
            }
        }
        for (id, values) in progress { board.progress(id, values: values) }
        shared?.addReplayTime(Date().timeIntervalSince(started))
    }

    /// Reads what other peers appended since the last read (without the lock).
    public func refresh() throws(JournalError) {
        guard let shared else { return }
        try shared.readNew { lines throws(JournalError) in try absorb(lines) }
    }

    /// The first unit (in hand-out order) that this peer may run: not finished, not running here, and
    /// not claimed by a peer that is alive. `.wait` when there is none but some unit is unfinished.
    private func candidate(_ l: inout PeerLedger, now: Double) -> PeerClaim {
        var id = l.cursor
        var leading = true
        var unfinished = false
        while id.index < units.configurations {
            if l.known.contains(id) {
                if leading { l.cursor = next(id) }
            } else {
                leading = false
                unfinished = true
                if !l.running.contains(id) {
                    guard let owner = l.claims[id] else { return .run(id) }
                    if owner != peerID, isDead(owner, l, now: now) { return .run(id) }
                }
            }
            id = next(id)
        }
        return unfinished ? .wait : .done
    }

    /// Whether peer `owner` is taken for dead: no record of it read for `joinTimeout` seconds (it
    /// left, was killed, or lost its machine), or it ran on this host and its process is gone.
    private func isDead(_ owner: String, _ l: PeerLedger, now: Double) -> Bool {
        if now - (l.lastSeen[owner] ?? -.infinity) > joinTimeout { return true }
        let parts = owner.split(separator: ":")
        guard parts.count == 3, parts[0] == Self.host[...], let pid = Int32(parts[1]), pid > 0 else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    static var host: String { JournalFileLock.host }

    private func next(_ id: TrialID) -> TrialID {
        id.repeat + 1 < units.repeats ? TrialID(index: id.index, repeat: id.repeat + 1) : TrialID(index: id.index + 1, repeat: 0)
    }

    /// Units claimed by peers that have stopped writing (for a rescue when every worker here waits).
    public func staleClaims() -> [TrialID] {
        let now = ProcessInfo.processInfo.systemUptime
        return ledger.withLock { l in
            l.claims.filter { id, owner in
                owner != peerID && !l.known.contains(id) && !l.running.contains(id) && isDead(owner, l, now: now)
            }.keys.sorted()
        }
    }

    /// Claims the next unit this peer may run (or `only`, if it is still free), under the journal lock.
    public func claimNext(only: TrialID? = nil) throws -> PeerClaim {
        guard let shared else { return .done }
        try refresh()
        let peek = ledger.withLock { l in candidate(&l, now: ProcessInfo.processInfo.systemUptime) }
        guard case .run = peek else { return peek }  // nothing free: no need for the lock
        var claim = PeerClaim.wait
        try shared.transact { lines in
            try absorb(lines)
            let now = ProcessInfo.processInfo.systemUptime
            return ledger.withLock { l in
                claim = candidate(&l, now: now)
                if let only {
                    let owner = l.claims[only]
                    let free = !l.known.contains(only) && !l.running.contains(only)
                        && (owner.map { $0 != peerID && isDead($0, l, now: now) } ?? true)
                    claim = free ? .run(only) : .wait
                }
                guard case .run(let id) = claim else { return [] }
                l.claims[id] = peerID
                l.running.insert(id)
                l.lastWrite = now
                return [Self.peerRecord("claim", peer: peerID, id: id)]
            }
        }
        if case .run(let id) = claim { board.restart(id) }
        return claim
    }

    /// Writes a heartbeat when this peer has written nothing for a quarter of the timeout.
    public func beatIfDue() throws {
        guard let shared else { return }
        let due = ledger.withLock { ProcessInfo.processInfo.systemUptime - $0.lastWrite > joinTimeout / 4 }
        guard due else { return }
        try shared.transact { [peerID] lines in
            try absorb(lines)
            ledger.withLock { $0.lastWrite = ProcessInfo.processInfo.systemUptime }
            return [Self.peerRecord("beat", peer: peerID)]
        }
    }

    /// A unit this peer ran did not finish (the search stops): it is free for the others at once.
    public func abandonClaim(_ id: TrialID) {
        ledger.withLock { l in
            l.running.remove(id)
            if l.claims[id] == peerID { l.claims[id] = nil }
        }
    }

    /// Units finished in the journal, by any peer.
    public var sharedFinished: Int { ledger.withLock { l in l.known.filter { units.contains($0) }.count } }

    /// Units this peer is running.
    public var runningHere: Int { ledger.withLock { $0.running.count } }

    /// Journals a result under the lock, unless another peer (which took this unit for dead) already
    /// did: the journal never holds one unit twice. With `claimNext`, claims the next unit in the same
    /// append (one lock and one fsync instead of two) and returns the claim.
    @discardableResult
    func recordShared(_ r: TrialRecord, claimNext: Bool = false) throws(JournalError) -> PeerClaim? {
        guard let shared else { return nil }
        var claim: PeerClaim?
        do {
            try shared.transact { [peerID] lines in
                try absorb(lines)
                let now = ProcessInfo.processInfo.systemUptime
                return ledger.withLock { l in
                    l.running.remove(r.id)
                    l.claims[r.id] = nil
                    l.lastWrite = now
                    var out: [JSONValue] = []
                    if l.known.insert(r.id).inserted {
                        finished.withLock { $0.append(r) }
                        ranHere.add(1, ordering: .relaxed)
                        if case .object(var members) = r.json {
                            members.append(JSONMember(key: "peer", value: JSONNode(.string(peerID))))  // who ran it
                            out.append(.object(members))
                        }
                    }
                    if claimNext {
                        claim = candidate(&l, now: now)
                        if case .run(let id) = claim {
                            l.claims[id] = peerID
                            l.running.insert(id)
                            out.append(Self.peerRecord("claim", peer: peerID, id: id))
                        }
                    }
                    return out.isEmpty ? [Self.peerRecord("beat", peer: peerID)] : out
                }
            }
        } catch let e as JournalError {
            throw e
        } catch {
            throw .io(file: journalPath, reason: "\(error)")
        }
        board.finish(r.id, values: spec.objective.curve(r.epochs), complete: r.state == .ok)
        if case .run(let id)? = claim { board.restart(id) }
        return claim
    }

    /// Journals a finished unit of this peer and (unless the search stops) claims the next one.
    public func recordAndClaim(_ r: TrialRecord, claimNext: Bool) throws(JournalError) -> PeerClaim? {
        // Decided without its peers (the wait was cut short): left out, as `record` does.
        guard !board.wasReleased(r.id) else {
            abandonClaim(r.id)
            return nil
        }
        return try recordShared(r, claimNext: claimNext)
    }

    /// Journals a running trial's curve at a checkpoint (its rung values), for the other peers.
    func publishProgress(_ id: TrialID, curve: [Double]) {
        guard let shared else { return }
        let values = JSONValue.array(curve.map { JSONNode(TrialRecord.number($0)) })
        do {
            try shared.transact { [peerID] lines in
                try absorb(lines)
                ledger.withLock { $0.lastWrite = ProcessInfo.processInfo.systemUptime }
                return [Self.peerRecord("progress", peer: peerID, id: id,
                                        extra: [("epoch", .number(Double(curve.count))), ("values", values)])]
            }
        } catch {
            // Called from inside a trial, which cannot throw: the peer's watchdog stops the search.
            ledger.withLock { l in if l.failure == nil { l.failure = error } }
        }
    }

    /// An error met where it could not be thrown (journaling a trial's rung values), once.
    public func takeFailure() -> (any Error)? {
        ledger.withLock { l in
            defer { l.failure = nil }
            return l.failure
        }
    }
}
