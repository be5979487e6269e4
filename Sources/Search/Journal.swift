// The append-only journal of a search (trials.jsonl): one JSON line per operation, fsynced.

import Foundation
import JSON5

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Problems reading or writing a journal.
public enum JournalError: Error, Equatable, CustomStringConvertible {
    /// A line other than the last is not a valid record.
    case corrupt(file: String, line: Int, reason: String)
    /// The journal belongs to a different spec.
    case specChanged(file: String, journal: String, spec: String)
    case io(file: String, reason: String)

    public var description: String {
        switch self {
        case .corrupt(let file, let line, let reason):
            return "\(file):\(line): the journal is corrupt: \(reason)"
        case .specChanged(let file, let journal, let spec):
            return "\(file) was written by a different spec (hash \(journal), this spec is \(spec)); "
                + "use --force to resume anyway, or --out to start a new search elsewhere"
        case .io(let file, let reason):
            return "\(file): \(reason)"
        }
    }
}

/// The journal format: a `start` record first (version, spec hash, overrides; from version 2 also
/// the objective, sampler, jobs and the sampled parameters a report plots), then one `trial` record
/// per finished trial, a `resume` record each time the search is resumed, and (version 2) an `end`
/// record with the wall time when a run finishes or is interrupted cleanly. Appends are
/// fsynced before the next result is reported, so a `kill -9` loses at most the running trials.
/// On replay a torn last line (the process died mid-write) is dropped; a bad line elsewhere is
/// `JournalError.corrupt`, and so is a journal that does not begin with its `start` record, holds a
/// second `start`, or holds two records of one (trial, repeat). The journal is never rewritten.
public final class Journal: Sendable {
    /// 2 added the report fields of `start` and the `end` record; 3 writes NaN and ±infinity as the
    /// strings "NaN", "Infinity", "-Infinity" (strict JSON). Versions 1 and 2 still replay.
    public static let version = 3
    /// The version of a journal shared by `--join` peers: 3 plus the `join`, `claim`, `beat`,
    /// `progress` and `leave` records (docs/journal.md), which an older lrsearch would not know.
    public static let sharedVersion = 4
    public let path: String
    private let fd: Int32

    /// What a replay found.
    public struct Replay: Sendable {
        public var specHash: String?
        public var records: [TrialRecord]
        /// The journal line (1-based) of each record, for error messages.
        public var lines: [Int] = []
        /// The search as the start record describes it (nil when the journal has none).
        public var info: SearchInfo?
        /// Whether a torn final line was dropped.
        public var droppedTornLine: Bool
        /// The auto LR range the start record keeps (`lr_auto`), if the spec had `lr: { auto: true }`.
        public var lrRange: AutoLRRange? = nil
    }

    /// Opens `path` for appending, creating it (and its folder) if needed. A torn final line (a
    /// fragment without its newline, left by a killed process) is cut off first, so that the next
    /// record starts on a line of its own; complete records are never touched.
    public init(appendingTo path: String) throws(JournalError) {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw .io(file: dir, reason: "cannot create the folder: \(error.localizedDescription)")
            }
        }
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw .io(file: path, reason: "cannot open for writing: \(String(cString: strerror(errno)))") }
        if let data = FileManager.default.contents(atPath: path), let last = data.last, last != UInt8(ascii: "\n") {
            let keep = (data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
            guard ftruncate(fd, off_t(keep)) == 0 else {
                throw .io(file: path, reason: "cannot cut the torn last line: \(String(cString: strerror(errno)))")
            }
        }
    }

    deinit { close(fd) }

    /// Appends one record as a line and fsyncs it.
    public func append(_ value: JSONValue) throws(JournalError) {
        let line = Array((JSONWriter.compact(value) + "\n").utf8)
        var written = 0
        while written < line.count {
            let n = line[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(file: path, reason: "write failed: \(String(cString: strerror(errno)))")
            }
            written += n
        }
        guard fsync(fd) == 0 else { throw .io(file: path, reason: "fsync failed: \(String(cString: strerror(errno)))") }
    }

    /// The `start` record. The objective, sampler, jobs and parameters let `lrsearch report` rebuild
    /// a report from the journal alone.
    public static func startRecord(specHash: String, name: String, overrides: [(String, JSONValue)],
                                   objective: Objective? = nil, sampler: SamplerKind? = nil, jobs: Int? = nil,
                                   parameters: [PlottedParameter]? = nil, lrRange: AutoLRRange? = nil,
                                   version: Int = Journal.version) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("op", "start"), ("version", .number(Double(version))), ("name", .string(name)),
            ("spec_hash", .string(specHash)),
            ("overrides", .object(overrides.map { JSONMember(key: $0.0, value: JSONNode($0.1)) })),
            ("time", .string(ISO8601DateFormatter().string(from: Date()))),
        ]
        if let objective { members.append(("objective", .string(objective.rawValue))) }
        if let sampler { members.append(("sampler", .string(sampler.rawValue))) }
        if let jobs { members.append(("jobs", .number(Double(jobs)))) }
        if let parameters { members.append(("parameters", .array(parameters.map { JSONNode($0.json) }))) }
        if let lrRange { members.append(("lr_auto", lrRange.json)) }
        return .object(members.map { JSONMember(key: $0.0, value: JSONNode($0.1)) })
    }

    /// The `resume` record.
    public static func resumeRecord(specHash: String, jobs: Int?) -> JSONValue {
        var members: [(String, JSONValue)] = [("op", "resume"), ("spec_hash", .string(specHash)),
                                              ("time", .string(ISO8601DateFormatter().string(from: Date())))]
        if let jobs { members.append(("jobs", .number(Double(jobs)))) }
        return .object(members.map { JSONMember(key: $0.0, value: JSONNode($0.1)) })
    }

    /// The `end` record: a run finished (or was interrupted cleanly) after `seconds` of wall time.
    public static func endRecord(seconds: Double) -> JSONValue {
        .object([JSONMember(key: "op", value: JSONNode("end")), JSONMember(key: "seconds", value: JSONNode(.number(seconds))),
                 JSONMember(key: "time", value: JSONNode(.string(ISO8601DateFormatter().string(from: Date()))))])
    }

    /// Reads every record of the journal at `path` (nil contents when there is no file).
    public static func replay(path: String) throws(JournalError) -> Replay? {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return nil }
        guard !isDir.boolValue else { throw .io(file: path, reason: "is a folder, not a journal file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .io(file: path, reason: "cannot read the journal")
        }
        return try replay(text: String(decoding: data, as: UTF8.self), file: path)
    }

    /// Replays journal text: the torn-tail rule and the corrupt-line rule, then the records.
    public static func replay(text: String, file: String) throws(JournalError) -> Replay {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var dropped = false
        if let last = lines.last, last.isEmpty { lines.removeLast() }  // text ended with a newline
        else if !lines.isEmpty {
            lines.removeLast()  // no final newline: the last write was torn
            dropped = true
        }
        var replay = Replay(specHash: nil, records: [], info: nil, droppedTornLine: dropped)
        var seen: [TrialID: Int] = [:]  // the line of each (trial, repeat)
        var started = false
        for (i, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let node: JSONNode
            do {
                node = try JSON5Parser.parse(line)
            } catch {
                throw .corrupt(file: file, line: i + 1, reason: error.message)
            }
            guard case .string(let op)? = node.value["op"]?.value else {
                throw .corrupt(file: file, line: i + 1, reason: "a record without an \"op\"")
            }
            // Without its start record a journal's trials cannot be checked against a spec.
            guard started || op == "start" else {
                throw .corrupt(file: file, line: i + 1,
                               reason: "the first record must be the \"start\" record, found \"\(op)\"")
            }
            switch op {
            case "start":
                guard !started else {
                    throw .corrupt(file: file, line: i + 1, reason: "a second \"start\" record (two journals joined into one?)")
                }
                started = true
                if case .number(let v)? = node.value["version"]?.value, !(v <= Double(sharedVersion)) {
                    throw .corrupt(file: file, line: i + 1,
                                   reason: "journal version \(JSONWriter.number(v)) is newer than this lrsearch (\(sharedVersion))")
                }
                if case .string(let h)? = node.value["spec_hash"]?.value { replay.specHash = h }
                replay.lrRange = node.value["lr_auto"].flatMap { AutoLRRange(json: $0.value) }
                replay.info = SearchInfo(start: node.value)
            case "trial":
                let record: TrialRecord
                do {
                    record = try TrialRecord(json: node)
                } catch {
                    throw .corrupt(file: file, line: i + 1, reason: error.description)
                }
                if let first = seen[record.id] {
                    throw .corrupt(file: file, line: i + 1, reason: "trial \(record.id.index) repeat \(record.id.repeat) "
                                   + "is already recorded on line \(first); each trial is journaled once")
                }
                seen[record.id] = i + 1
                replay.records.append(record)
                replay.lines.append(i + 1)
            case "resume":
                replay.info?.noteRun(node.value)
            case "end":
                replay.info?.noteEnd(node.value)
            case "join":
                replay.info?.noteRun(node.value)
            case "claim", "beat", "progress", "leave":
                break  // coordination of `--join` peers (docs/journal.md); no result in them
            default:
                throw .corrupt(file: file, line: i + 1, reason: "unknown op \"\(op)\"")
            }
        }
        return replay
    }
}
