// Typed, located reading of JSON objects: every problem names the field path, the place and the rule.

/// An error in the meaning of a configuration: which field, where it stood, what was wrong.
///
/// Rendered as `file:line:column: path: message`, e.g.
/// `searches/a.json5:12:14: schedules[2].gamma: loguniform bounds must be > 0, got [0, 0.5]`.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The field path: `schedules[2].gamma`, or empty for the whole document.
    public var path: String
    public var location: SourceLocation?
    /// What was expected and what was found; does not repeat the path.
    public var message: String

    public init(path: String, location: SourceLocation?, message: String) {
        self.path = path
        self.location = location
        self.message = message
    }

    public init(_ node: JSONNode?, path: String, _ message: String) {
        self.init(path: path, location: node?.location, message: message)
    }

    public var description: String { rendered(file: nil) }

    /// `file:line:column: path: message`, leaving out what is unknown.
    public func rendered(file: String?) -> String {
        var prefix = ""
        if let file { prefix = file + (location == nil ? ": " : ":") }
        if let location { prefix += "\(location): " }
        return prefix + (path.isEmpty ? message : "\(path): \(message)")
    }
}

/// Joins a field path and a key: `join("a", "b") == "a.b"`, `join("", "b") == "b"`.
public func joinPath(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

/// Reads the members of one JSON object by key, with typed accessors that throw `ConfigError`
/// naming the field, and a final check that reports unknown keys with the closest valid one.
public struct ObjectReader {
    public let path: String
    public let node: JSONNode
    public let members: [JSONMember]
    private var used: Set<String> = []

    /// Fails unless `node` is an object.
    public init(_ node: JSONNode, path: String) throws(ConfigError) {
        guard case .object(let members) = node.value else {
            throw ConfigError(node, path: path, "expected an object, got \(Self.describe(node.value))")
        }
        self.node = node
        self.path = path
        self.members = members
    }

    /// The path of a member: `path.key`.
    public func path(_ key: String) -> String { joinPath(path, key) }

    /// The keys present, in source order.
    public var keys: [String] { members.map(\.key) }

    public func has(_ key: String) -> Bool { members.contains { $0.key == key } }

    /// The raw node of a member (marking it as read), or nil when absent. `null` counts as absent.
    public mutating func node(_ key: String) -> JSONNode? {
        used.insert(key)
        guard let n = members.first(where: { $0.key == key })?.value else { return nil }
        if case .null = n.value { return nil }
        return n
    }

    /// The raw node of a member that must be present.
    public mutating func required(_ key: String) throws(ConfigError) -> JSONNode {
        guard let n = node(key) else {
            throw ConfigError(path: path(key), location: node.location, message: "is required but missing")
        }
        return n
    }

    public mutating func double(_ key: String) throws(ConfigError) -> Double? {
        guard let n = node(key) else { return nil }
        guard case .number(let x) = n.value else {
            throw ConfigError(n, path: path(key), "expected a number, got \(Self.describe(n.value))")
        }
        return x
    }

    public mutating func int(_ key: String) throws(ConfigError) -> Int? {
        guard let n = node(key) else { return nil }
        return try Self.int(n, path: path(key))
    }

    public mutating func string(_ key: String) throws(ConfigError) -> String? {
        guard let n = node(key) else { return nil }
        guard case .string(let s) = n.value else {
            throw ConfigError(n, path: path(key), "expected a string, got \(Self.describe(n.value))")
        }
        return s
    }

    public mutating func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let n = node(key) else { return nil }
        guard case .bool(let b) = n.value else {
            throw ConfigError(n, path: path(key), "expected true or false, got \(Self.describe(n.value))")
        }
        return b
    }

    /// A string that must be one of `E`'s raw values; the error lists them.
    public mutating func choice<E: RawRepresentable & CaseIterable>(_ key: String, as: E.Type = E.self)
        throws(ConfigError) -> E? where E.RawValue == String
    {
        guard let n = node(key) else { return nil }
        let valid = E.allCases.map(\.rawValue)
        guard case .string(let s) = n.value, let e = E(rawValue: s) else {
            var message = "expected one of \(valid.joined(separator: ", ")), got \(Self.describe(n.value))"
            if case .string(let s) = n.value, let near = closestMatch(to: s, in: valid) {
                message += " (did you mean '\(near)'?)"
            }
            throw ConfigError(n, path: path(key), message)
        }
        return e
    }

    /// An array of numbers.
    public mutating func doubles(_ key: String) throws(ConfigError) -> [Double]? {
        guard let n = node(key) else { return nil }
        guard case .array(let elements) = n.value else {
            throw ConfigError(n, path: path(key), "expected an array of numbers, got \(Self.describe(n.value))")
        }
        var out: [Double] = []
        for (i, e) in elements.enumerated() {
            guard case .number(let x) = e.value else {
                throw ConfigError(e, path: "\(path(key))[\(i)]", "expected a number, got \(Self.describe(e.value))")
            }
            out.append(x)
        }
        return out
    }

    /// An array of integers.
    public mutating func ints(_ key: String) throws(ConfigError) -> [Int]? {
        guard let n = node(key) else { return nil }
        guard case .array(let elements) = n.value else {
            throw ConfigError(n, path: path(key), "expected an array of integers, got \(Self.describe(n.value))")
        }
        var out: [Int] = []
        for (i, e) in elements.enumerated() { out.append(try Self.int(e, path: "\(path(key))[\(i)]")) }
        return out
    }

    /// Fails on the first key that was never read, suggesting the closest of `allowed` (or of the
    /// keys read so far when `allowed` is empty).
    public func finish(allowed: [String] = []) throws(ConfigError) {
        let valid = allowed.isEmpty ? Array(used).sorted() : allowed
        for m in members where !used.contains(m.key) && !allowed.contains(m.key) {
            var message = "unknown key \(quotedForMessage(m.key))"
            if let near = closestMatch(to: m.key, in: valid) {
                message += " (did you mean '\(near)'?)"
            } else if !valid.isEmpty {
                message += "; valid keys: \(valid.joined(separator: ", "))"
            }
            throw ConfigError(path: path, location: m.keyLocation ?? node.location, message: message)
        }
    }

    /// An integer value, exact in all of Int's range [-2^63, 2^63) however it is written (`12`,
    /// `1e6`, `9007199254740993.0`: the parser computes it from the literal's digits). A whole number
    /// out of range is a range error, not a type error. Values built in code are exact below 2^53.
    public static func int(_ n: JSONNode, path: String) throws(ConfigError) -> Int {
        guard case .number(let x) = n.value else {
            throw ConfigError(n, path: path, "expected an integer, got \(describe(n.value))")
        }
        switch n.integer {
        case .exact(let v)?: return v
        case .outOfRange(let text)?: throw ConfigError(n, path: path, "must be an integer in [-2^63, 2^63), got \(text)")
        case nil: break
        }
        guard x.isFinite, x == x.rounded() else {
            throw ConfigError(n, path: path, "expected an integer, got \(describe(n.value))")
        }
        guard abs(x) <= 0x1p53 else {
            throw ConfigError(n, path: path, abs(x) >= 0x1p63
                ? "must be an integer in [-2^63, 2^63), got \(describe(n.value))"
                : "must be written in plain digits to be exact beyond 2^53, got \(describe(n.value))")
        }
        return Int(x)
    }

    /// How a found value is shown in messages: the kind, and the value itself when it is short.
    public static func describe(_ value: JSONValue) -> String {
        switch value {
        case .number, .bool, .null: return value.jsonText
        case .string(let s): return s.count <= 40 ? JSONWriter.string(s) : "a string"
        case .array, .object:
            let text = value.jsonText
            return text.count <= 40 ? text : value.kindDescription
        }
    }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo
/// (distance at most a third of the longer word, and at most 3), or a candidate that contains it.
public func closestMatch(to word: String, in candidates: [String]) -> String? {
    // A word over 3 characters longer than every candidate is neither near one nor contained in one;
    // deciding that reads at most that many characters, so a 1 MB word costs nothing.
    let longest = candidates.map(\.count).max() ?? 0
    guard word.prefix(longest + 4).count <= longest + 3 else { return nil }
    let w = Array(word.lowercased())
    var best: (String, Int)?
    // No candidate more than 3 characters longer or shorter can be within the limit below, and
    // skipping them keeps a 1 MB key from costing |key| × |candidate| work and memory.
    for c in candidates where abs(c.count - w.count) <= 3 {
        let d = editDistance(w, Array(c.lowercased()))
        if let b = best, b.1 <= d { continue }
        best = (c, d)
    }
    if let (candidate, distance) = best, distance <= min(3, max(1, max(w.count, candidate.count) / 3)) {
        return candidate
    }
    if w.count >= 3, let c = candidates.first(where: { $0.lowercased().contains(word.lowercased()) }) { return c }
    return nil
}

/// Edit distance counting insertions, deletions, substitutions and swaps of neighbours (optimal
/// string alignment), so the common typo "hepl" is one edit from "help". O(|a|·|b|).
public func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    let width = b.count + 1
    var d = [Int](repeating: 0, count: (a.count + 1) * width)
    for i in 0...a.count { d[i * width] = i }
    for j in 0...b.count { d[j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            var v = min(d[(i - 1) * width + j] + 1, d[i * width + j - 1] + 1, d[(i - 1) * width + j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                v = min(v, d[(i - 2) * width + j - 2] + 1)
            }
            d[i * width + j] = v
        }
    }
    return d[a.count * width + b.count]
}
