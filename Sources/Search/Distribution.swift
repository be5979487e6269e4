// Search-space distributions: a fixed value, uniform, log-uniform, integer range or a choice.

import JSON5

/// One parameter's distribution, as written in a spec: a plain value, `{ uniform: [a, b] }`,
/// `{ loguniform: [a, b] }`, `{ int: [a, b] }` or `{ choice: [v1, v2, …] }`.
public enum Distribution: Sendable, Equatable {
    case fixed(JSONValue)
    /// Uniform on [a, b].
    case uniform(Double, Double)
    /// exp(uniform(ln a, ln b)): equal mass per decade. Needs 0 < a ≤ b.
    case logUniform(Double, Double)
    /// Uniform over the integers a…b, both included.
    case int(Int, Int)
    /// One of the listed values, each with equal probability.
    case choice([JSONValue])

    /// The keys that mark an object as a distribution.
    public static let keywords = ["uniform", "loguniform", "int", "choice"]

    /// Whether `node` is written as a distribution (an object whose only key is a keyword).
    public static func isDistribution(_ node: JSONNode) -> Bool {
        guard case .object(let members) = node.value, members.count == 1 else { return false }
        return keywords.contains(members[0].key)
    }

    /// The problem with an object that looks like a distribution with a misspelled keyword
    /// (`{ log_uniform: [a, b] }`: one key, close to a keyword, holding an array), or nil.
    static func misspelled(_ node: JSONNode, path: String) -> ConfigError? {
        guard case .object(let members) = node.value, members.count == 1, case .array = members[0].value.value,
              !keywords.contains(members[0].key) else { return nil }
        let key = members[0].key
        let squeezed = key.lowercased().filter { $0 != "_" && $0 != "-" && $0 != " " }
        guard let near = keywords.first(where: { $0 == squeezed }) ?? closestMatch(to: key, in: keywords) else { return nil }
        return ConfigError(path: path, location: members[0].keyLocation ?? node.location,
                           message: "unknown distribution '\(key)' (did you mean '\(near)'?); distributions: "
                               + keywords.joined(separator: ", "))
    }

    /// Reads a distribution (or a fixed value) at `path`, checking its bounds.
    public static func parse(_ node: JSONNode, path: String) throws(ConfigError) -> Distribution {
        guard isDistribution(node), case .object(let members) = node.value else { return .fixed(node.value) }
        let key = members[0].key
        let arg = members[0].value
        if key == "choice" {
            guard case .array(let values) = arg.value, !values.isEmpty else {
                throw ConfigError(arg, path: path, "choice needs a non-empty array of values, got \(ObjectReader.describe(arg.value))")
            }
            return .choice(values.map(\.value))
        }
        guard case .array(let bounds) = arg.value, bounds.count == 2,
              case .number(let a) = bounds[0].value, case .number(let b) = bounds[1].value,
              a.isFinite, b.isFinite
        else {
            throw ConfigError(arg, path: path, "\(key) needs two finite numbers [low, high], got \(ObjectReader.describe(arg.value))")
        }
        let shown = "[\(JSONWriter.number(a)), \(JSONWriter.number(b))]"
        guard a <= b else { throw ConfigError(arg, path: path, "\(key) bounds must be low <= high, got \(shown)") }
        switch key {
        case "uniform": return .uniform(a, b)
        case "loguniform":
            guard a > 0 else { throw ConfigError(arg, path: path, "loguniform bounds must be > 0, got \(shown)") }
            return .logUniform(a, b)
        default:
            guard a == a.rounded(), b == b.rounded() else {
                throw ConfigError(arg, path: path, "int bounds must be integers, got \(shown)")
            }
            guard abs(a) < 1e15, abs(b) < 1e15 else {
                throw ConfigError(arg, path: path, "int bounds must be within (-1e15, 1e15), got \(shown)")
            }
            return .int(Int(a), Int(b))
        }
    }

    /// The value at the point `u` ∈ [0, 1) of the unit interval: the inverse CDF. Samplers draw `u`
    /// (random, quasi-random) and map it here, so every sampler treats every distribution alike.
    public func value(at u: Double) -> JSONValue {
        switch self {
        case .fixed(let v): return v
        case .uniform(let a, let b): return .number(min(b, Self.between(a, b, u)))
        case .logUniform(let a, let b):
            let x = a == b ? a : exp(log(a) + (log(b) - log(a)) * u)
            return .number(min(b, max(a, x)))
        case .int(let a, let b):
            let n = Double(b - a + 1)
            return .number(Double(a + min(b - a, Int((u * n).rounded(.down)))))
        case .choice(let values):
            return values[min(values.count - 1, Int((u * Double(values.count)).rounded(.down)))]
        }
    }

    /// a + (b − a)·u, or a·(1 − u) + b·u when b − a overflows (a range such as [−1e308, 1e308]).
    static func between(_ a: Double, _ b: Double, _ u: Double) -> Double {
        let width = b - a
        return width.isFinite ? a + width * u : a * (1 - u) + b * u
    }

    /// Whether a sampler needs to draw for it (fixed values take no dimension).
    public var isRandom: Bool {
        if case .fixed = self { return false }
        return true
    }

    /// The grid points: every choice, every integer (or `points` of them, evenly spread), or `points`
    /// values evenly spaced (log-spaced for loguniform), both ends included.
    public func gridValues(points: Int) -> [JSONValue] {
        let k = max(1, points)
        func spaced(_ a: Double, _ b: Double) -> [Double] {
            guard k > 1, a != b else { return [a] }
            guard (b - a).isFinite else { return (0..<k).map { Self.between(a, b, Double($0) / Double(k - 1)) } }
            return (0..<k).map { a + (b - a) * Double($0) / Double(k - 1) }
        }
        switch self {
        case .fixed(let v): return [v]
        case .choice(let values): return values
        case .uniform(let a, let b): return spaced(a, b).map { .number($0) }
        case .logUniform(let a, let b):
            var values = spaced(log(a), log(b)).map { exp($0) }
            if values.count > 1 { values[0] = a; values[values.count - 1] = b }  // exact ends
            return values.map { .number($0) }
        case .int(let a, let b):
            if b - a + 1 <= k { return (a...b).map { .number(Double($0)) } }
            var seen: [Int] = []  // the rounded points are non-decreasing: comparing with the last is enough
            for x in spaced(Double(a), Double(b)) where seen.last != Int(x.rounded()) { seen.append(Int(x.rounded())) }
            return seen.map { .number(Double($0)) }
        }
    }

    /// Compact description for `lrsearch validate`: `loguniform(0.001, 1)`, `choice(1, 2)`, `0.9`.
    public var summary: String {
        switch self {
        case .fixed(let v): return v.jsonText
        case .uniform(let a, let b): return "uniform(\(JSONWriter.number(a)), \(JSONWriter.number(b)))"
        case .logUniform(let a, let b): return "loguniform(\(JSONWriter.number(a)), \(JSONWriter.number(b)))"
        case .int(let a, let b): return "int(\(a), \(b))"
        case .choice(let values): return "choice(\(values.map(\.jsonText).joined(separator: ", ")))"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
