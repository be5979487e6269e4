// `lr: { auto: true, span: 10, suggestion: "valley" }`: the base LR's range taken from an LR range test run
// once before the search.

import Foundation
import JSON5
import Trainer

/// `lr: { auto: true, span: S, suggestion: K }` as written in a spec (span > 1, default 10; K one of
/// the fastai range test's suggestions: `valley` (default), `minimum`, `steep`, `slide`).
public struct AutoLRSpec: Sendable, Equatable {
    public var span: Double
    public var suggestion: LRSuggestion.Kind = .valley
    public var location: SourceLocation?

    public static let keys = ["auto", "span", "suggestion"]

    /// Whether the spec's `lr` node asks for the auto range (an object with an `auto` key).
    static func isAuto(_ node: JSONNode) -> Bool {
        if case .object(let members) = node.value { return members.contains { $0.key == "auto" } }
        return false
    }

    /// Reads `{ auto: true, span: S }` at path `lr`.
    static func parse(_ node: JSONNode) throws(ConfigError) -> AutoLRSpec {
        var r = try ObjectReader(node, path: "lr")
        guard try r.bool("auto") == true else {
            throw ConfigError(r.node("auto"), path: "lr.auto",
                              "must be true; for a fixed or sampled LR write a number or a distribution")
        }
        let span = try r.double("span") ?? 10
        guard span > 1, span.isFinite else {
            throw ConfigError(r.node("span"), path: "lr.span", "must be a number > 1, got \(JSONWriter.number(span))")
        }
        let suggestion = try r.choice("suggestion", as: LRSuggestion.Kind.self) ?? .valley
        // The search runs the fastai method, which gives these four (steepest is torch-lr-finder's).
        guard suggestion != .steepest else {
            throw ConfigError(r.node("suggestion"), path: "lr.suggestion",
                              "expected one of valley, minimum, steep, slide (fastai's suggestions, which the search's "
                                + "range test gives), got \"steepest\"")
        }
        try r.finish(allowed: keys)
        return AutoLRSpec(span: span, suggestion: suggestion, location: node.location)
    }

    /// What the spec's `lr` stands for until the range test has run: a log-uniform range of the same
    /// shape around 0.1, so a spec can be checked (and its space counted) without training.
    var placeholder: ParamTemplate {
        let range = AutoLRRange(valley: 0.1, span: span, suggestion: suggestion)
        return range.template(at: location)
    }
}

/// The LR range an auto spec samples from: log-uniform over [valley/√span, valley·√span], one factor
/// of `span` wide and centred (in log space) on the range test's suggestion (`valley` holds the
/// suggested LR whichever suggestion it is, the name kept for journals written before `suggestion`).
public struct AutoLRRange: Sendable, Equatable {
    public var valley: Double
    public var span: Double
    public var suggestion: LRSuggestion.Kind

    public init(valley: Double, span: Double, suggestion: LRSuggestion.Kind = .valley) {
        self.valley = valley
        self.span = span
        self.suggestion = suggestion
    }

    public var low: Double { valley / span.squareRoot() }
    public var high: Double { valley * span.squareRoot() }

    /// `lr auto: range test valley 3.2e-3 → lr ~ loguniform[1.0e-3, 1.0e-2]` (or `steep`, …)
    public var summary: String {
        func e(_ x: Double) -> String { String(format: "%.1e", x) }
        return "lr auto: range test \(suggestion.rawValue) \(e(valley)) → lr ~ loguniform[\(e(low)), \(e(high))]"
    }

    /// How the journal's start record keeps it, so a resumed search samples the same range.
    public var json: JSONValue {
        ["valley": .number(valley), "span": .number(span), "low": .number(low), "high": .number(high),
         "suggestion": .string(suggestion.rawValue)]
    }

    public init?(json: JSONValue) {
        guard case .number(let v)? = json["valley"]?.value, case .number(let s)? = json["span"]?.value,
              v > 0, v.isFinite, s > 1, s.isFinite else { return nil }
        var kind = LRSuggestion.Kind.valley
        if case .string(let name)? = json["suggestion"]?.value {
            guard let k = LRSuggestion.Kind(rawValue: name) else { return nil }
            kind = k
        }
        self.init(valley: v, span: s, suggestion: kind)
    }

    func template(at location: SourceLocation?) -> ParamTemplate {
        let bounds = JSONNode(.array([JSONNode(.number(low), at: location), JSONNode(.number(high), at: location)]), at: location)
        let node = JSONNode(.object([JSONMember(key: "loguniform", value: bounds)]), at: location)
        // A log-uniform over positive finite bounds always parses.
        return (try? ParamTemplate(node, path: "lr")) ?? ParamTemplate(fixed: .number(valley))
    }
}

extension SearchSpec {
    /// The trial config the range test trains: the first schedule entry with every sampled parameter
    /// at its median (the middle of each range, the middle choice) and the spec's seed. Only its task
    /// and optimizer matter: the test replaces the schedule with its LR ramp.
    public var rangeTestConfig: JSONNode {
        let point = TrialPoint(index: 0, schedule: 0, common: commonParameters.map { $0.distribution.value(at: 0.5) },
                               family: (schedules.first?.template.parameters ?? []).map { $0.distribution.value(at: 0.5) })
        return trialConfig(point, seed: seed)
    }

    /// Runs the range test (`test`, fastai's defaults unless given) on `rangeTestConfig`.
    public func runRangeTest(data: DataCache, test: LRRangeTest = LRRangeTest()) throws(ConfigError)
        -> (result: LRFinder.Result, config: TrialConfig, dataset: Dataset)
    {
        let (config, dataset) = try data.prepare(rangeTestConfig)
        return (LRFinder.run(config: config.training, dataset: dataset, test: test), config, dataset)
    }

    /// The auto LR range from a fresh range test (fastai method, defaults), centred on the spec's
    /// suggestion. Throws when the spec has no auto `lr`, or when the test gives no such suggestion
    /// (it stopped within the first batches).
    public func findAutoLRRange(data: DataCache) throws(ConfigError) -> AutoLRRange {
        guard let auto = lrAuto else { throw ConfigError(path: "lr", location: nil, message: "is not { auto: true }") }
        let run = try runRangeTest(data: data)
        guard let lr = LRFinder.suggestion(auto.suggestion, in: run.result)?.lr, lr > 0, lr.isFinite else {
            let n = run.result.curve.lrs.count
            let what = auto.suggestion == .valley ? "a valley" : "a '\(auto.suggestion.rawValue)' suggestion"
            throw ConfigError(path: "lr.auto", location: auto.location,
                              message: "the LR range test stopped after \(n) batch\(n == 1 ? "" : "es") "
                                + "(\(run.result.curve.stop.rawValue)) without \(what); set lr yourself")
        }
        return AutoLRRange(valley: lr, span: auto.span, suggestion: auto.suggestion)
    }

    /// The spec with its auto `lr` replaced by the range's log-uniform distribution (the document and
    /// so the spec hash are unchanged).
    public func resolvingAutoLR(_ range: AutoLRRange) -> SearchSpec {
        var copy = self
        copy.lr = range.template(at: lrAuto?.location)
        copy.lrRange = range
        return copy
    }
}
