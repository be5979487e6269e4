// `lrsearch merge`: the results folders of one search's shards combined into one folder — one journal,
// one ranking — with the trials that are still missing, and how to run them.

import Foundation
import JSON5
import Search

/// Why shard folders could not be merged.
public enum MergeError: Error, Equatable, CustomStringConvertible {
    /// A folder without a journal, or a journal that does not replay.
    case unreadable(folder: String, reason: String)
    /// The folders hold different searches: each spec hash with the folders that have it.
    case differentSearches([(hash: String, folders: [String])])
    /// Two folders hold different results for one trial.
    case conflict(trial: TrialID, first: String, second: String, difference: String)
    case write(String)

    public static func == (a: MergeError, b: MergeError) -> Bool { a.description == b.description }

    public var description: String {
        switch self {
        case .unreadable(let folder, let reason):
            return "\(folder): \(reason)"
        case .differentSearches(let groups):
            let list = groups.map { "spec hash \($0.hash): \($0.folders.joined(separator: ", "))" }.joined(separator: "; ")
            return "the folders hold different searches (\(list)); merge only the shards of one spec, run with the same seed and epochs"
        case .conflict(let trial, let first, let second, let difference):
            return "trial \(trial.index) repeat \(trial.repeat) has different results in \(first) and \(second) "
                + "(\(difference)); one of them was run with another lrsearch or edited — remove that folder from the merge"
        case .write(let reason):
            return reason
        }
    }
}

public enum ShardMerge {
    /// Trials of the search that no folder holds.
    public struct Missing: Sendable, Equatable {
        /// How many units (configuration, repeat) are missing in all.
        public var count: Int
        /// The first missing ones, in index order (at most `ShardMerge.listed`).
        public var first: [TrialID]
        /// Missing units per shard index, when the shards were run as I/N with one N (else empty).
        public var byShard: [(shard: Int, count: Int, folder: String?)]
        public var shardCount: Int?
        /// The overrides the shards ran with (`--trials 40 --epochs 5`), which the commands that run the
        /// missing trials must pass too: the journals' overrides, with the largest `--trials`.
        public var overrideFlags: String = ""

        public init(count: Int, first: [TrialID], byShard: [(shard: Int, count: Int, folder: String?)], shardCount: Int?,
                    overrideFlags: String = "") {
            self.count = count
            self.first = first
            self.byShard = byShard
            self.shardCount = shardCount
            self.overrideFlags = overrideFlags
        }

        public static func == (a: Missing, b: Missing) -> Bool {
            a.count == b.count && a.first == b.first && a.shardCount == b.shardCount && a.overrideFlags == b.overrideFlags
                && a.byShard.map { "\($0.shard) \($0.count) \($0.folder ?? "-")" } == b.byShard.map { "\($0.shard) \($0.count) \($0.folder ?? "-")" }
        }
    }

    /// What a merge did.
    public struct Merged: Sendable {
        /// Every trial of the merged journal, in (index, repeat) order.
        public var records: [TrialRecord]
        public var info: SearchInfo
        public var journalPath: String
        /// Records found in more than one folder with the same results (kept once).
        public var duplicates: Int
        /// nil when no journal records the search's size (journals of lrsearch before merge existed).
        public var missing: Missing?
        public var written: ResultsFolder.Written
    }

    /// At most this many missing trials are listed by index.
    public static let listed = 10

    /// Merges the journals of `folders` (and `out`'s own journal, if it has one: an earlier merge)
    /// into `out`: a new trials.jsonl (the first folder's start record, every trial once in index
    /// order, one end record with the longest input's wall time: the search's when the shards ran at once), then ranked.md, ranked.csv, best.json
    /// and report.html as `lrsearch run` writes them. The new journal replaces `out`'s atomically,
    /// under `out`'s run lock, so a merge never races a run on that folder.
    ///
    /// - Throws: `.differentSearches` naming the folders when spec hashes differ; `.conflict` when two
    ///   folders hold different results (times aside) for one trial; `.unreadable` for a folder without
    ///   a readable journal.
    /// - Complexity: O(total records); the missing trials are counted, not listed, beyond `listed`.
    public static func merge(_ folders: [String], into out: String, data: DataCache = DataCache()) throws(MergeError) -> Merged {
        let lock: RunLock
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            lock = try RunLock(folder: out)
        } catch let e as RunLockError {
            throw .write(e.description)
        } catch {
            throw .write("\(out): cannot create the folder: \(RunLock.reason(error))")
        }
        defer { withExtendedLifetime(lock) {} }
        let outJournal = (out as NSString).appendingPathComponent("trials.jsonl")
        var inputs = try folders.map { (folder) throws(MergeError) in try read(folder) }
        let standardOut = (out as NSString).standardizingPath
        if FileManager.default.fileExists(atPath: outJournal),
           !folders.contains(where: { ($0 as NSString).standardizingPath == standardOut }) {
            inputs.append(try read(out))  // an earlier merge: its trials stay
        }
        guard let first = inputs.first else { throw .unreadable(folder: out, reason: "no folders to merge") }
        try checkSameSearch(inputs)

        // De-duplicate by (index, repeat): identical results keep the first, different ones are an error.
        var kept: [TrialID: (record: TrialRecord, key: String, folder: String)] = [:]
        var duplicates = 0
        for input in inputs {
            for r in input.replay.records {
                let key = resultKey(r)
                if let seen = kept[r.id] {
                    guard seen.key == key else {
                        throw .conflict(trial: r.id, first: seen.folder, second: input.folder, difference: difference(seen.record, r))
                    }
                    duplicates += 1
                } else {
                    kept[r.id] = (r, key, input.folder)
                }
            }
        }
        let records = kept.values.map(\.record).sorted { $0.id < $1.id }
        // The longest shard's wall time: the search's when the shards ran at once (a sum would count an
        // earlier merge's shards twice, and a folder named twice).
        // Clamped: end records of 1e308 s each sum to infinity, which strict JSON cannot write.
        let wall = min(inputs.map { $0.replay.info?.wallSeconds ?? 0 }.max() ?? 0, .greatestFiniteMagnitude)
        try writeJournal(start: first.start, records: records, wallSeconds: wall, to: outJournal)

        guard let replay = try? Journal.replay(path: outJournal), let info = replay.info else {
            throw .write("\(outJournal): cannot read the merged journal back")
        }
        let written: ResultsFolder.Written
        do {
            written = try ResultsFolder.write(info: info, lrRange: replay.lrRange, records: replay.records,
                                              journalPath: outJournal, to: out, data: data)
        } catch {
            throw .write(error.description)
        }
        return Merged(records: replay.records, info: info, journalPath: outJournal, duplicates: duplicates,
                      missing: missing(inputs, present: Set(records.map(\.id))), written: written)
    }

    struct Input {
        var folder: String
        var replay: Journal.Replay
        /// The journal's start record, as written.
        var start: JSONValue
    }

    static func read(_ folder: String) throws(MergeError) -> Input {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw .unreadable(folder: folder, reason: "no such folder (expected a results folder written by 'lrsearch run')")
        }
        // A PBT population is one search that exploits across its members: it has no shards to merge.
        if FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("pbt.jsonl")) {
            throw .unreadable(folder: folder, reason: "holds a population-based training search (pbt.jsonl): a population is "
                                + "one search, not a shard; 'lrsearch compare' puts PBT searches side by side")
        }
        let path = (folder as NSString).appendingPathComponent("trials.jsonl")
        let replay: Journal.Replay
        do {
            guard let r = try Journal.replay(path: path) else {
                throw MergeError.unreadable(folder: folder, reason: "no trials.jsonl (a shard that has not started yet?)")
            }
            replay = r
        } catch let e as MergeError {
            throw e
        } catch {
            throw .unreadable(folder: folder, reason: "\(error)")
        }
        // Replay checked the first record is a valid start record; keep it as written.
        guard let data = FileManager.default.contents(atPath: path),
              let line = String(decoding: data, as: UTF8.self).split(separator: "\n").first(where: {
                  !$0.trimmingCharacters(in: .whitespaces).isEmpty
              }),
              let start = try? JSON5Parser.parse(String(line)).value, replay.info != nil
        else {
            throw .unreadable(folder: folder, reason: "\(path) has no start record (the run was killed before its first write)")
        }
        return Input(folder: folder, replay: replay, start: start)
    }

    static func checkSameSearch(_ inputs: [Input]) throws(MergeError) {
        var groups: [(hash: String, folders: [String])] = []
        for input in inputs {
            let hash = input.replay.specHash ?? "none recorded"
            if let i = groups.firstIndex(where: { $0.hash == hash }) {
                groups[i].folders.append(input.folder)
            } else {
                groups.append((hash, [input.folder]))
            }
        }
        if groups.count > 1 { throw .differentSearches(groups) }
    }

    /// A record's results with its timings left out: two runs of one trial train the same numbers
    /// (the trainer is deterministic) but not in the same seconds.
    static func resultKey(_ r: TrialRecord) -> String {
        var timeless = r
        timeless.seconds = 0
        for i in timeless.epochs.indices { timeless.epochs[i].seconds = 0 }
        return JSONWriter.compact(timeless.json)
    }

    /// What differs between two records of one trial, in a few words.
    static func difference(_ a: TrialRecord, _ b: TrialRecord) -> String {
        if a.seed != b.seed { return "seed \(a.seed) vs \(b.seed)" }
        if JSONWriter.compact(a.sampled) != JSONWriter.compact(b.sampled) { return "their configs differ" }
        if a.state != b.state { return "status \(a.state.rawValue) vs \(b.state.rawValue)" }
        if a.epochs.count != b.epochs.count { return "\(a.epochs.count) vs \(b.epochs.count) epochs" }
        for (x, y) in zip(a.epochs, b.epochs) {
            for (name, u, v) in [("lr", x.lr, y.lr), ("train_loss", x.trainLoss, y.trainLoss), ("val_loss", x.valLoss, y.valLoss)]
            where JSONWriter.compact(TrialRecord.number(u)) != JSONWriter.compact(TrialRecord.number(v)) {
                return "epoch \(x.epoch): \(name) \(JSONWriter.compact(TrialRecord.number(u))) vs \(JSONWriter.compact(TrialRecord.number(v)))"
            }
        }
        return "their derived values or points differ"
    }

    /// Writes the merged journal next to `path`, fsyncs it and renames it over `path`.
    static func writeJournal(start: JSONValue, records: [TrialRecord], wallSeconds: Double, to path: String) throws(MergeError) {
        var startRecord = start
        if case .object(var members) = start {
            // The merged file is written by this lrsearch (NaN as strings): its version says so.
            if let i = members.firstIndex(where: { $0.key == "version" }) {
                members[i] = JSONMember(key: "version", value: JSONNode(.number(Double(Journal.version))))
            }
            members.removeAll { $0.key == "shard" || $0.key == "merged" }  // the merged search is the whole search
            members.append(JSONMember(key: "merged", value: JSONNode(.bool(true))))
            startRecord = .object(members)
        }
        let temporary = path + ".merging"
        try? FileManager.default.removeItem(atPath: temporary)
        // Written whole and fsynced once before the rename (not record by record as a run appends:
        // 1000 shards' trials took ~1000 fsyncs); a crash before the rename leaves the old journal.
        var text = JSONWriter.compact(startRecord) + "\n"
        for r in records { text += JSONWriter.compact(r.json) + "\n" }
        text += JSONWriter.compact(Journal.endRecord(seconds: wallSeconds)) + "\n"
        if let reason = writeSynced(Array(text.utf8), to: temporary) {
            try? FileManager.default.removeItem(atPath: temporary)
            throw .write("\(temporary): \(reason)")
        }
        // Checked before it replaces anything: a journal that would not replay never takes the old one's place.
        do {
            guard try Journal.replay(path: temporary)?.info != nil else { throw JournalError.io(file: temporary, reason: "no start record") }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw .write("the merged journal does not replay (nothing was replaced): \(error)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw .write("\(path): cannot replace the journal: \(reason)")
        }
    }

    /// Writes `bytes` to a new file at `path` and fsyncs it; the reason on failure.
    static func writeSynced(_ bytes: [UInt8], to path: String) -> String? {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return "cannot open for writing: \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return "write failed: \(String(cString: strerror(errno)))"
            }
            written += n
        }
        guard fsync(fd) == 0 else { return "fsync failed: \(String(cString: strerror(errno)))" }
        return nil
    }

    /// ` --trials N --epochs E --seed S` from the start records' overrides (epochs and seed are one
    /// search's, or the spec hashes would differ; trials may differ between shards: the largest).
    static func overrideFlags(_ inputs: [Input]) -> String {
        func number(_ input: Input, _ key: String) -> Int? {
            guard case .number(let x)? = input.start["overrides"]?.value[key]?.value, x >= 0, x < 0x1p63, x == x.rounded() else { return nil }
            return Int(x)
        }
        var flags = ""
        if let t = inputs.compactMap({ number($0, "trials") }).max() { flags += " --trials \(t)" }
        for key in ["epochs", "seed"] {
            if let v = inputs.lazy.compactMap({ number($0, key) }).first { flags += " --\(key) \(v)" }
        }
        return flags
    }

    /// The units no folder holds: against the largest `configurations` the journals record, and by
    /// shard when every sharded journal says the same shard count.
    static func missing(_ inputs: [Input], present: Set<TrialID>) -> Missing? {
        let infos = inputs.compactMap(\.replay.info)
        guard let configurations = infos.compactMap(\.configurations).max() else { return nil }
        let repeats = max(1, infos.compactMap(\.repeats).max() ?? 1)
        let inRange = present.filter { $0.index < configurations && $0.repeat < repeats }
        let (all, overflow) = configurations.multipliedReportingOverflow(by: repeats)
        let total = overflow ? Int.max : all
        var missing = Missing(count: total - inRange.count, first: [], byShard: [], shardCount: nil)
        missing.overrideFlags = overrideFlags(inputs)
        if let units = try? TrialUnits(configurations: configurations, repeats: repeats, done: inRange) {
            missing.first = Array(units.prefix(listed))
        }
        let counts = Set(infos.compactMap { $0.shard?.last })
        if counts.count == 1, let n = counts.first, n <= 10_000 {
            missing.shardCount = n
            var present = [Int](repeating: 0, count: n)
            for id in inRange { present[id.index % n] += 1 }
            for k in 0..<n {
                let configs = configurations > k ? (configurations - k - 1) / n + 1 : 0
                let expected = configs.multipliedReportingOverflow(by: repeats)
                let count = (expected.overflow ? Int.max : expected.partialValue) - present[k]
                guard count > 0 else { continue }
                let folder = inputs.first { $0.replay.info?.shard == [k, n] }?.folder
                missing.byShard.append((k, count, folder))
            }
        }
        return missing
    }
}
