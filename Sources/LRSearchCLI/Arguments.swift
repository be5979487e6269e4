// A tiny table-driven argv parser: options are declared as data, errors name the flag and the value.

import JSON5

/// Process exit codes (sysexits.h's EX_USAGE for usage and spec errors, 128 + the signal after
/// SIGHUP, SIGINT or SIGTERM stopped a run).
public enum ExitCode: Int32, Sendable {
    case success = 0
    case failure = 1
    case usage = 64
    case hangup = 129
    case interrupted = 130
    case terminated = 143
}

/// An error that ends a command: printed as `Error: message`, with the usage line for usage errors.
public struct CLIError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var code: ExitCode
    /// Whether the command's usage line helps (a bad flag) or only distracts (a bad spec file).
    public var showsUsage: Bool
    public init(_ message: String, code: ExitCode = .usage, showsUsage: Bool? = nil) {
        self.message = message
        self.code = code
        self.showsUsage = showsUsage ?? (code == .usage)
    }

    /// A problem in an input file: exit 64, no usage line.
    public static func input(_ message: String) -> CLIError { CLIError(message, code: .usage, showsUsage: false) }
    public var description: String { message }
}

/// One option a command accepts. `valueName == nil` makes it a flag.
public struct OptionSpec: Sendable {
    public var name: String
    public var valueName: String?
    public var help: String
    public init(_ name: String, _ valueName: String? = nil, help: String) {
        self.name = name
        self.valueName = valueName
        self.help = help
    }
}

/// One positional argument a command takes.
public struct PositionalSpec: Sendable {
    public var name: String
    public var help: String
    public var optional: Bool
    public var repeating: Bool
    public init(_ name: String, help: String, optional: Bool = false, repeating: Bool = false) {
        self.name = name
        self.help = help
        self.optional = optional
        self.repeating = repeating
    }
}

/// A subcommand: its name, one-line abstract, arguments and the function that runs it.
public struct CommandSpec: Sendable {
    public var name: String
    public var abstract: String
    public var discussion: String
    public var positionals: [PositionalSpec]
    public var options: [OptionSpec]
    public var run: @Sendable (ParsedArguments) throws -> ExitCode

    public init(name: String, abstract: String, discussion: String = "", positionals: [PositionalSpec] = [],
                options: [OptionSpec] = [], run: @escaping @Sendable (ParsedArguments) throws -> ExitCode) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.positionals = positionals
        self.options = options
        self.run = run
    }

    /// `lrsearch NAME ARG [--opt V] …`
    public var usage: String {
        var parts = ["lrsearch", name]
        for p in positionals {
            let word = p.repeating ? "\(p.name)..." : p.name
            parts.append(p.optional ? "[\(word)]" : word)
        }
        for o in options {
            parts.append("[\(o.name)\(o.valueName.map { " \($0)" } ?? "")]")
        }
        return parts.joined(separator: " ")
    }

    /// The full `--help` text.
    public var help: String {
        var lines = ["OVERVIEW: \(abstract)", ""]
        if !discussion.isEmpty { lines += [discussion, ""] }
        lines += ["USAGE: \(usage)", ""]
        if !positionals.isEmpty {
            lines.append("ARGUMENTS:")
            for p in positionals { lines.append(Self.row(p.name, p.help)) }
            lines.append("")
        }
        lines.append("OPTIONS:")
        for o in options { lines.append(Self.row(o.name + (o.valueName.map { " <\($0)>" } ?? ""), o.help)) }
        lines.append(Self.row("-h, --help", "Show help information."))
        return lines.joined(separator: "\n")
    }

    static func row(_ left: String, _ right: String) -> String {
        let pad = left.count < 22 ? String(repeating: " ", count: 22 - left.count) : "\n" + String(repeating: " ", count: 24)
        return "  " + left + pad + right
    }

    /// Parses `args` (the words after the subcommand name) against this command's table.
    public func parse(_ args: [String]) throws(CLIError) -> ParsedArguments {
        var parsed = ParsedArguments(command: name)
        var i = 0
        var onlyPositionals = false
        while i < args.count {
            let word = args[i]
            i += 1
            if onlyPositionals || !word.hasPrefix("-") || word == "-" || Double(word) != nil {
                parsed.positionals.append(word)
                continue
            }
            if word == "--" { onlyPositionals = true; continue }
            var flag = word
            var inlineValue: String?
            if let eq = word.firstIndex(of: "=") {
                flag = String(word[..<eq])
                inlineValue = String(word[word.index(after: eq)...])
            }
            guard let option = options.first(where: { $0.name == flag }) else {
                var message = "unknown option '\(flag)'"
                if let near = closestMatch(to: flag, in: options.map(\.name) + ["--help"]) {
                    message += " (did you mean '\(near)'?)"
                }
                throw CLIError(message)
            }
            if option.valueName == nil {
                if inlineValue != nil { throw CLIError("option '\(flag)' takes no value") }
                parsed.flags.insert(flag)
                continue
            }
            if let inlineValue {
                parsed.values[flag] = inlineValue
            } else {
                guard i < args.count else {
                    throw CLIError("option '\(flag)' needs a value <\(option.valueName ?? "VALUE")>")
                }
                parsed.values[flag] = args[i]
                i += 1
            }
        }
        let required = positionals.filter { !$0.optional }.count
        if parsed.positionals.count < required {
            let missing = positionals[parsed.positionals.count]
            throw CLIError("missing argument <\(missing.name)>")
        }
        if !(positionals.last?.repeating ?? false), parsed.positionals.count > positionals.count {
            throw CLIError("unexpected argument '\(parsed.positionals[positionals.count])'")
        }
        return parsed
    }
}

/// The result of parsing: positional words, option values and flags, with typed accessors whose
/// errors name the option and the value found.
public struct ParsedArguments: Sendable {
    public var command: String
    public var positionals: [String] = []
    public var values: [String: String] = [:]
    public var flags: Set<String> = []

    public init(command: String) { self.command = command }

    public func flag(_ name: String) -> Bool { flags.contains(name) }

    public func string(_ name: String) -> String? { values[name] }

    /// An integer flag: plain digits (exact up to 2^63 − 1) or an integral number such as `1e6`
    /// (exact below 2^53). A whole number outside [min, max] is a range error that states the bounds,
    /// not a type error.
    public func int(_ name: String, min: Int? = nil, max: Int? = nil) throws(CLIError) -> Int? {
        guard let text = values[name] else { return nil }
        let lo = min ?? Int.min, hi = max ?? Int.max
        let range = "[\(lo == Int.min ? "-2^63" : String(lo)), " + (hi == Int.max ? "2^63)" : "\(hi)]")
        guard let v = Int(text) ?? Self.integral(text) else {
            if let x = Double(text), x == x.rounded() {  // a whole number beyond Int, or not exact
                throw CLIError("\(name) must be an integer in \(range), got \(text)")
            }
            throw CLIError("\(name) expects an integer, got '\(text)'")
        }
        if v < lo { throw CLIError(max == nil ? "\(name) must be >= \(lo), got \(v)" : "\(name) must be an integer in \(range), got \(v)") }
        if v > hi { throw CLIError("\(name) must be an integer in \(range), got \(text)") }
        return v
    }

    /// `1e6`, `100.0`: a whole number written with a fraction or exponent, if exact (below 2^53).
    private static func integral(_ text: String) -> Int? {
        guard let x = Double(text), x.isFinite, x == x.rounded(), abs(x) < 0x1p53 else { return nil }
        return Int(x)
    }

    public func double(_ name: String) throws(CLIError) -> Double? {
        guard let text = values[name] else { return nil }
        guard let v = Double(text), v.isFinite else { throw CLIError("\(name) expects a number, got '\(text)'") }
        return v
    }
}
