// Reads one schedule object of a spec ({ family: "cosine", lr: 0.1, t_max: 30 }) into a ScheduleSpec, and back.

import JSON5
import LRSchedules

/// Values a schedule object may leave out: the LR and the run length, known from the enclosing spec.
public struct ScheduleDefaults: Sendable {
    /// Fills `lr` (cyclic: `base_lr`; onecycle: `max_lr`) when the object has none.
    public var lr: Double?
    /// Fills the run-length parameters when absent: cosine and log_annealing `t_max`, polynomial
    /// `total_iters`, onecycle `total_steps`, bounded step `total_steps`, wsd `total_steps`,
    /// exponential-with-final_lr `total_steps`.
    public var totalSteps: Int?
    /// Fill `weight_decay` and `momentum` of the weight-decay conversions (explr, equivalent_explr,
    /// texp): the optimizer's coupled λ (or its λnew, as `lambda_new`) and momentum.
    public var weightDecay: Double?
    public var lambdaNew: Double?
    public var momentum: Double?
    /// The folder a relative `table` `csv` path is read from (the spec's or config's folder); nil for
    /// the working directory.
    public var baseDirectory: String?

    public init(lr: Double? = nil, totalSteps: Int? = nil, weightDecay: Double? = nil, lambdaNew: Double? = nil,
                momentum: Double? = nil, baseDirectory: String? = nil) {
        self.lr = lr
        self.totalSteps = totalSteps
        self.weightDecay = weightDecay
        self.lambdaNew = lambdaNew
        self.momentum = momentum
        self.baseDirectory = baseDirectory
    }
}

/// Parses schedule objects with PyTorch's snake_case parameter names and writes them back.
///
/// Every problem is a `ConfigError` naming the field path and its place in the text: an unknown family
/// (with the valid ones and the closest match), an unknown key (with the closest valid key), a wrong
/// type (`expected an integer, got 2.5`), or a value out of range (`t_max: must be a positive integer,
/// got -3`, from ``ScheduleSpec/make()``'s ``ScheduleError``).
public enum ScheduleParser {
    /// The keys each family accepts besides `family`.
    public static func keys(for family: ScheduleFamily) -> [String] {
        switch family {
        case .constant: return ["lr", "factor", "total_iters"]
        case .step: return ["lr", "step_size", "gamma", "final_lr", "updates", "total_steps", "drop", "epochs_drop"]
        case .multistep: return ["lr", "milestones", "gamma"]
        case .exponential: return ["lr", "gamma", "decay_rate", "decay_steps", "staircase", "final_lr", "total_steps"]
        case .polynomial: return ["lr", "total_iters", "power"]
        case .linear: return ["lr", "start_factor", "end_factor", "total_iters"]
        case .cosine, .logAnnealing: return ["lr", "t_max", "eta_min"]
        case .sgdr: return ["lr", "t_0", "t_mult", "eta_min"]
        case .cyclic:
            return ["base_lr", "max_lr", "step_size_up", "step_size_down", "mode", "gamma", "cycle_momentum",
                    "base_momentum", "max_momentum"]
        case .onecycle:
            return ["max_lr", "total_steps", "pct_start", "anneal_strategy", "div_factor", "final_div_factor",
                    "three_phase", "cycle_momentum", "base_momentum", "max_momentum"]
        case .plateau:
            return ["lr", "monitor", "mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr",
                    "eps"]
        case .sequence: return ["lr", "schedules", "milestones"]
        case .warmup: return ["lr", "warmup_steps", "start_factor", "schedule"]
        case .inverseSqrt: return ["lr", "warmup_steps", "timescale"]
        case .wsd:
            return ["lr", "warmup_steps", "stable_steps", "decay_steps", "total_steps", "warmup_type", "decay_type",
                    "min_lr_ratio", "num_cycles"]
        case .explr: return ["lr", "weight_decay", "lambda_new", "momentum"]
        case .equivalentExplr, .texp: return ["lr", "of", "weight_decay", "lambda_new", "momentum"]
        case .inverseTime: return ["lr", "decay_rate", "decay_steps", "staircase", "decay"]
        case .piecewise: return ["boundaries", "values"]
        case .table: return ["lrs", "csv"]
        }
    }

    /// Reads the schedule object `node`, whose field path is `path` (`""` for a whole document,
    /// `schedules[2]` inside a search spec), and checks every range.
    public static func parse(_ node: JSONNode, path: String, defaults: ScheduleDefaults = .init())
        throws(ConfigError) -> ScheduleSpec
    {
        try parse(node, path: path, defaults: defaults, nested: false)
    }

    /// `nested`: inside a sequence, warmup or conversion, where the whole-run conversions cannot stand.
    static func parse(_ node: JSONNode, path: String, defaults: ScheduleDefaults, nested: Bool)
        throws(ConfigError) -> ScheduleSpec
    {
        var fields = Fields(try ObjectReader(node, path: path), defaults: defaults)
        let family = try readFamily(&fields.reader)
        if nested, family.isWeightDecayConversion {
            throw ConfigError(fields.reader.node("family") ?? node, path: fields.reader.path("family"),
                              "\(family.rawValue) cannot be nested: it converts a whole run and sets the initial "
                                + "momentum buffer, so it stands at the top (nest other schedules in its `of`)")
        }
        try fields.reader.finish(allowed: ["family"] + keys(for: family))
        let spec = try read(family, &fields)
        do {
            _ = try spec.make()
        } catch {
            throw locate(error, in: fields.reader)
        }
        return spec
    }

    private static func readFamily(_ r: inout ObjectReader) throws(ConfigError) -> ScheduleFamily {
        try family(try r.required("family"), path: r.path("family"))
    }

    /// The family a `family` value names; an unknown name is refused with the valid ones and the closest.
    static func family(_ n: JSONNode, path: String) throws(ConfigError) -> ScheduleFamily {
        let valid = ScheduleFamily.allCases.map(\.rawValue)
        guard case .string(let name) = n.value else {
            throw ConfigError(n, path: path,
                              "expected a family name (a string), got \(ObjectReader.describe(n.value))")
        }
        guard let family = ScheduleFamily(rawValue: name) else {
            // Escaped, and cut at 60 characters: the name may hold control characters or be a megabyte long.
            var message = "unknown family " + JSONWriter.string(name, cutAt: 60)
            if let near = closestMatch(to: name, in: valid) { message += " (did you mean '\(near)'?)" }
            throw ConfigError(n, path: path, message + "; valid families: " + valid.joined(separator: ", "))
        }
        return family
    }

    /// A range error turned into a located `ConfigError`: the path is the object's path plus the
    /// parameter (`schedules[2].t_max`), the place that of the parameter's value, or of the object when
    /// the value came from a default.
    static func locate(_ error: ScheduleError, in r: ObjectReader) -> ConfigError {
        var node: JSONNode? = r.node
        var found: JSONNode? = nil
        for part in pathComponents(error.parameter) {
            switch (part, node?.value) {
            case (.key(let k), .object?): node = node?.value[k]
            case (.index(let i), .array(let a)?): node = i < a.count ? a[i] : nil
            default: node = nil
            }
            if node != nil { found = node }
        }
        return ConfigError(path: joinPath(r.path, error.parameter), location: (found ?? r.node).location,
                           message: error.requirement)
    }

    private enum PathPart { case key(String), index(Int) }

    /// `schedules[2].t_max` → key schedules, index 2, key t_max.
    private static func pathComponents(_ path: String) -> [PathPart] {
        var parts: [PathPart] = []
        for piece in path.split(separator: ".") {
            let sub = piece.split(separator: "[")
            if let first = sub.first, !piece.hasPrefix("[") { parts.append(.key(String(first))) }
            for s in sub.dropFirst() {
                if let i = Int(s.dropLast()) { parts.append(.index(i)) }
            }
        }
        return parts
    }
}

/// An `ObjectReader` with the fallbacks of ``ScheduleDefaults`` and typed defaults.
struct Fields {
    var reader: ObjectReader
    let defaults: ScheduleDefaults

    init(_ reader: ObjectReader, defaults: ScheduleDefaults) {
        self.reader = reader
        self.defaults = defaults
    }

    mutating func double(_ key: String, _ fallback: Double? = nil) throws(ConfigError) -> Double {
        if let x = try reader.double(key) { return x }
        if let fallback { return fallback }
        _ = try reader.required(key)
        return 0  // unreachable: required(_:) throws for an absent key
    }

    /// An integer parameter (a step count, a milestone, a cycle length): within ±2^53, the longest run a
    /// schedule steps through, so that the sums and products the parsers form of them cannot overflow.
    mutating func int(_ key: String, _ fallback: Int? = nil) throws(ConfigError) -> Int {
        if let n = try reader.int(key) {
            try Self.checkMagnitude(n, node: reader.node(key), path: reader.path(key))
            return n
        }
        if let fallback { return fallback }
        _ = try reader.required(key)
        return 0  // unreachable
    }

    mutating func ints(_ key: String) throws(ConfigError) -> [Int] {
        if let list = try reader.ints(key) {
            for (i, n) in list.enumerated() {
                if case .array(let items)? = reader.node(key)?.value, i < items.count {
                    try Self.checkMagnitude(n, node: items[i], path: reader.path(key) + "[\(i)]")
                }
            }
            return list
        }
        _ = try reader.required(key)
        return []  // unreachable
    }

    /// An optional integer parameter, bounded as `int`.
    mutating func optionalInt(_ key: String) throws(ConfigError) -> Int? {
        try reader.has(key) ? int(key) : nil
    }

    static func checkMagnitude(_ n: Int, node: JSONNode?, path: String) throws(ConfigError) {
        guard n.magnitude <= UInt(maxScheduleSteps) else {
            throw ConfigError(node, path: path, "must be within ±2^53 (9007199254740992) steps, got \(n)")
        }
    }

    mutating func bool(_ key: String, _ fallback: Bool) throws(ConfigError) -> Bool {
        try reader.bool(key) ?? fallback
    }

    mutating func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ fallback: E) throws(ConfigError) -> E
    where E.RawValue == String {
        try reader.choice(key, as: E.self) ?? fallback
    }

    /// `lr` (or `key`), falling back to the defaults' LR.
    mutating func lr(_ key: String = "lr") throws(ConfigError) -> Double {
        try double(key, defaults.lr)
    }

    /// A run-length parameter, falling back to the defaults' total steps.
    mutating func length(_ key: String) throws(ConfigError) -> Int {
        try int(key, defaults.totalSteps)
    }
}
