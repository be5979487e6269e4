// What a report needs about a search besides its trials, carried by the journal's start, resume and end records.

import Foundation
import JSON5

/// A sampled numeric parameter as a report plots it: a label, where its value sits in a trial's
/// config, and whether its axis is logarithmic (log-uniform in the spec).
public struct PlottedParameter: Sendable, Equatable {
    /// `lr`, `optimizer.momentum`, `gamma (step)`.
    public var label: String
    /// The family whose trials have it, or nil when every trial has it.
    public var family: String?
    /// Key paths into the trial config; the first one present holds the value (`lr` is `schedule.lr`
    /// for most families and `schedule.max_lr` for onecycle and cyclic).
    public var paths: [[String]]
    public var logScale: Bool
    /// The range it was sampled from (nil for a choice, and in journals written before ranges were kept).
    public var range: SampledRange?

    public init(label: String, family: String? = nil, paths: [[String]], logScale: Bool, range: SampledRange? = nil) {
        self.label = label
        self.family = family
        self.paths = paths
        self.logScale = logScale
        self.range = range
    }

    /// The parameter's value in `config`, or nil when the config does not hold a number there.
    public func value(in config: JSONValue) -> Double? {
        for path in paths {
            var node: JSONValue? = config
            for key in path { node = node?[key]?.value }
            if case .number(let x)? = node { return x }
        }
        return nil
    }

    var json: JSONValue {
        var members: [(String, JSONValue)] = [("label", .string(label))]
        if let family { members.append(("family", .string(family))) }
        members.append(("paths", .array(paths.map { p in JSONNode(.array(p.map { JSONNode(.string($0)) })) })))
        members.append(("scale", .string(logScale ? "log" : "linear")))
        if let range { members.append(("range", range.json)) }
        return .object(members.map { JSONMember(key: $0.0, value: JSONNode($0.1)) })
    }

    init?(json: JSONValue) {
        guard case .string(let label)? = json["label"]?.value, case .array(let list)? = json["paths"]?.value else { return nil }
        var paths: [[String]] = []
        for item in list {
            guard case .array(let keys) = item.value else { return nil }
            paths.append(keys.compactMap { if case .string(let k) = $0.value { return k } else { return nil } })
        }
        var family: String?
        if case .string(let f)? = json["family"]?.value { family = f }
        var log = false
        if case .string(let s)? = json["scale"]?.value { log = s == "log" }
        self.init(label: label, family: family, paths: paths, logScale: log, range: json["range"].flatMap { SampledRange(json: $0.value) })
    }
}

/// A continuous or integer range a parameter was sampled from, as the journal keeps it
/// (`{"loguniform":[0.003,0.5]}`, the spec's own syntax).
public struct SampledRange: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case uniform, loguniform, int }
    public var kind: Kind
    public var low: Double
    public var high: Double

    public init(_ kind: Kind, _ low: Double, _ high: Double) {
        self.kind = kind
        self.low = low
        self.high = high
    }

    /// The range of a distribution (nil for fixed values and choices).
    public init?(_ d: Distribution) {
        switch d {
        case .uniform(let a, let b): self.init(.uniform, a, b)
        case .logUniform(let a, let b): self.init(.loguniform, a, b)
        case .int(let a, let b): self.init(.int, Double(a), Double(b))
        case .fixed, .choice: return nil
        }
    }

    /// Where `x` sits in the range, 0 at the low end and 1 at the high end (in log space for
    /// loguniform); nil for an empty range or a value that is not finite (or not positive on a log range).
    public func position(of x: Double) -> Double? {
        guard high > low, x.isFinite else { return nil }
        if kind == .loguniform {
            guard x > 0, low > 0 else { return nil }
            return (log(x) - log(low)) / (log(high) - log(low))
        }
        return (x - low) / (high - low)
    }

    /// `loguniform[0.003, 0.5]`.
    public var summary: String { "\(kind.rawValue)[\(JSONWriter.number(low)), \(JSONWriter.number(high))]" }

    var json: JSONValue {
        .object([JSONMember(key: kind.rawValue, value: JSONNode(.array([JSONNode(.number(low)), JSONNode(.number(high))])))])
    }

    init?(json: JSONValue) {
        guard case .object(let members) = json, members.count == 1, let kind = Kind(rawValue: members[0].key),
              case .array(let bounds) = members[0].value.value, bounds.count == 2,
              case .number(let a) = bounds[0].value, case .number(let b) = bounds[1].value, a.isFinite, b.isFinite, a <= b
        else { return nil }
        self.init(kind, a, b)
    }
}

/// The search as its journal describes it: name, objective, sampler, the jobs of each run, the
/// sampled parameters and the wall time. Journals written before version 2 carry only the name;
/// their other fields are nil or empty.
public struct SearchInfo: Sendable, Equatable {
    public var name: String
    public var objective: Objective?
    public var sampler: SamplerKind?
    /// Concurrent trials of each run (the first run, then each resume), where recorded.
    public var jobs: [Int]
    /// nil when the journal predates them (a report then infers them from the configs).
    public var parameters: [PlottedParameter]?
    /// Wall time of the runs that ended cleanly (an `end` record each).
    public var wallSeconds: Double
    /// Runs (start and resumes) and how many of them wrote an `end` record.
    public var runs: Int
    public var endedRuns: Int
    /// Configurations and repeats the latest run (start or resume) covered, where recorded; with
    /// `shard`, what `lrsearch merge` counts missing trials against.
    public var configurations: Int?
    public var repeats: Int?
    /// The shard (index, count) the latest run ran, or nil for a whole search.
    public var shard: [Int]?

    public init(name: String, objective: Objective? = nil, sampler: SamplerKind? = nil, jobs: [Int] = [],
                parameters: [PlottedParameter]? = nil, wallSeconds: Double = 0, runs: Int = 1, endedRuns: Int = 0) {
        self.name = name
        self.objective = objective
        self.sampler = sampler
        self.jobs = jobs
        self.parameters = parameters
        self.wallSeconds = wallSeconds
        self.runs = runs
        self.endedRuns = endedRuns
    }

    /// Reads the fields of a `start` record that a report uses (unknown or missing ones are left nil).
    init(start record: JSONValue) {
        var name = "?"
        if case .string(let n)? = record["name"]?.value { name = n }
        self.init(name: name, runs: 1)
        if case .string(let o)? = record["objective"]?.value { objective = Objective(rawValue: o) }
        if case .string(let s)? = record["sampler"]?.value { sampler = SamplerKind(rawValue: s) }
        noteRun(record, counts: false)
        if case .array(let list)? = record["parameters"]?.value {
            parameters = list.compactMap { PlottedParameter(json: $0.value) }
        }
        // An auto LR's range, for journals whose parameters do not carry it.
        if let auto = record["lr_auto"].flatMap({ AutoLRRange(json: $0.value) }),
           let i = parameters?.firstIndex(where: { $0.label == "lr" }), parameters?[i].range == nil {
            parameters?[i].range = SampledRange(.loguniform, auto.low, auto.high)
        }
    }

    /// Counts a `resume` record (or reads the start record's jobs).
    mutating func noteRun(_ record: JSONValue, counts: Bool = true) {
        if counts { runs += 1 }
        if case .number(let j)? = record["jobs"]?.value, j >= 1, j < 1e6 { jobs.append(Int(j)) }
        func count(_ key: String) -> Int? {
            guard case .number(let x)? = record[key]?.value, x >= 0, x < 0x1p62, x == x.rounded() else { return nil }
            return Int(x)
        }
        if let c = count("configurations") {
            configurations = c
            repeats = count("repeats") ?? 1
            shard = nil
            if case .array(let pair)? = record["shard"]?.value, pair.count == 2,
               case .number(let i) = pair[0].value, case .number(let n) = pair[1].value,
               n >= 1, n < 0x1p62, n == n.rounded(), i >= 0, i < n, i == i.rounded() {
                shard = [Int(i), Int(n)]
            }
        }
    }

    mutating func noteEnd(_ record: JSONValue) {
        endedRuns += 1
        if case .number(let s)? = record["seconds"]?.value, s.isFinite, s >= 0 { wallSeconds += s }
    }
}

extension SearchSpec {
    /// The numeric parameters the spec samples, as a report plots them: task and optimizer
    /// parameters under their own paths, the base LR, and each family's schedule parameters (entries
    /// of the same family share one plot). Choices are included when every choice is a number.
    public var plottedParameters: [PlottedParameter] {
        var out: [PlottedParameter] = []
        for (part, parameters) in [("task", task.parameters), ("optimizer", optimizer.parameters)] {
            for p in parameters {
                let keys = p.path.compactMap { if case .key(let k) = $0 { return k } else { return nil } }
                guard keys.count == p.path.count, let log = Self.plotScale(p.distribution) else { continue }
                out.append(PlottedParameter(label: p.name, paths: [[part] + keys], logScale: log, range: SampledRange(p.distribution)))
            }
        }
        if let p = lr.parameters.first, p.path.isEmpty, let log = Self.plotScale(p.distribution) {
            out.append(PlottedParameter(label: "lr", paths: [["schedule", "lr"], ["schedule", "max_lr"]], logScale: log,
                                        range: SampledRange(p.distribution)))
        }
        for entry in schedules {
            for p in entry.template.parameters {
                guard p.path.count == 1, case .key(let key) = p.path[0], let log = Self.plotScale(p.distribution) else { continue }
                let label = "\(key) (\(entry.family.rawValue))"
                if let i = out.firstIndex(where: { $0.label == label }) {
                    out[i].logScale = out[i].logScale || log
                    if out[i].range != SampledRange(p.distribution) { out[i].range = nil }  // two entries, two ranges: no single edge
                } else {
                    out.append(PlottedParameter(label: label, family: entry.family.rawValue, paths: [["schedule", key]], logScale: log,
                                                range: SampledRange(p.distribution)))
                }
            }
        }
        return out
    }

    /// true for a log axis, false for linear, nil when the distribution is not numeric.
    static func plotScale(_ d: Distribution) -> Bool? {
        switch d {
        case .logUniform: return true
        case .uniform, .int: return false
        case .choice(let values):
            return values.allSatisfy { if case .number = $0 { return true } else { return false } } ? false : nil
        case .fixed: return nil
        }
    }
}
