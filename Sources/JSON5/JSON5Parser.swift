// A small JSON5 reader (https://spec.json5.org) that records each value's line:column.

/// A syntax error in JSON5 text, with the place it was found.
public struct JSON5SyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    public init(_ message: String, at location: SourceLocation) {
        self.message = message
        self.location = location
    }
    public var description: String { "\(location): \(message)" }
}

/// Parses JSON5: comments, trailing commas, unquoted keys, single-quoted strings, hex numbers,
/// leading or trailing decimal points, explicit `+`, `Infinity` and `NaN`. Plain JSON is JSON5.
///
/// - Complexity: O(n) in the length of the text.
public struct JSON5Parser {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1
    private var depth = 0
    /// The deepest nesting of arrays and objects accepted (serde_json's default recursion limit). The
    /// parser and every walk over a tree recurse once per level, so the limit bounds their stack use:
    /// about 3 KB a level in a debug build, well inside the 512 KB of the smallest thread stacks.
    public static let maxDepth = 128

    public init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    /// Parses `text` as one JSON5 value followed only by whitespace and comments.
    public static func parse(_ text: String) throws(JSON5SyntaxError) -> JSONNode {
        var parser = JSON5Parser(text)
        return try parser.parseDocument()
    }

    /// Parses the bytes of a file: UTF-8 text (see ``decodeUTF8(_:)``), then ``parse(_:)``.
    public static func parse(utf8 bytes: some Collection<UInt8>) throws(JSON5SyntaxError) -> JSONNode {
        try parse(try decodeUTF8(bytes))
    }

    public mutating func parseDocument() throws(JSON5SyntaxError) -> JSONNode {
        try skipTrivia()
        guard index < scalars.count else { throw error("expected a value, found the end of the text") }
        let value = try parseValue()
        try skipTrivia()
        if index < scalars.count {
            throw error("expected the end of the text after the value, found \(describeCurrent())")
        }
        return value
    }

    // MARK: - Values

    private mutating func parseValue() throws(JSON5SyntaxError) -> JSONNode {
        let start = location
        guard let c = peek() else { throw error("expected a value, found the end of the text") }
        switch c {
        case "{": return JSONNode(try parseObject(), at: start)
        case "[": return JSONNode(try parseArray(), at: start)
        case "\"", "'": return JSONNode(.string(try parseString()), at: start)
        case "-", "+", ".", "0"..."9":
            let (x, integer) = try parseNumber()
            return JSONNode(.number(x), at: start, integer: integer)
        default:
            if isIdentifierStart(c) {
                let word = parseIdentifierName()
                switch word {
                case "true": return JSONNode(.bool(true), at: start)
                case "false": return JSONNode(.bool(false), at: start)
                case "null": return JSONNode(.null, at: start)
                case "Infinity": return JSONNode(.number(.infinity), at: start)
                case "NaN": return JSONNode(.number(.nan), at: start)
                default:
                    throw JSON5SyntaxError(
                        "expected a value, found \(quotedForMessage(word)) (strings need quotes)", at: start)
                }
            }
            throw error("expected a value, found \(describeCurrent())")
        }
    }

    private mutating func parseObject() throws(JSON5SyntaxError) -> JSONValue {
        let open = location
        try enter()
        advance()  // {
        var members: [JSONMember] = []
        // Keys seen, once the object is large: a scan per key made a 1 MiB object of 60,000 keys take minutes.
        var seen: Set<String> = []
        while true {
            try skipTrivia()
            guard let c = peek() else {
                throw JSON5SyntaxError("unterminated object: the '{' at \(open) is never closed", at: location)
            }
            if c == "}" { advance(); break }
            let keyLocation = location
            let key: String
            if c == "\"" || c == "'" {
                key = try parseString()
            } else if isIdentifierStart(c) {
                key = parseIdentifierName()
            } else {
                throw error("expected a key or '}', found \(describeCurrent())")
            }
            let duplicate: Bool
            if members.count < 16 {
                duplicate = members.contains { $0.key == key }
            } else {
                if seen.isEmpty { seen = Set(members.lazy.map(\.key)) }
                duplicate = !seen.insert(key).inserted
            }
            if duplicate {
                throw JSON5SyntaxError("duplicate key \(quotedForMessage(key))", at: keyLocation)
            }
            try skipTrivia()
            guard peek() == ":" else {
                throw error("expected ':' after the key \(quotedForMessage(key)), found \(describeCurrent())")
            }
            advance()
            try skipTrivia()
            let value = try parseValue()
            members.append(JSONMember(key: key, keyLocation: keyLocation, value: value))
            try skipTrivia()
            if peek() == "," { advance(); continue }
            if peek() == "}" { advance(); break }
            if peek() == nil {
                throw JSON5SyntaxError("unterminated object: the '{' at \(open) is never closed", at: location)
            }
            throw error("expected ',' or '}' in the object, found \(describeCurrent())")
        }
        depth -= 1
        return .object(members)
    }

    private mutating func parseArray() throws(JSON5SyntaxError) -> JSONValue {
        let open = location
        try enter()
        advance()  // [
        var elements: [JSONNode] = []
        while true {
            try skipTrivia()
            guard let c = peek() else {
                throw JSON5SyntaxError("unterminated array: the '[' at \(open) is never closed", at: location)
            }
            if c == "]" { advance(); break }
            elements.append(try parseValue())
            try skipTrivia()
            if peek() == "," { advance(); continue }
            if peek() == "]" { advance(); break }
            if peek() == nil {
                throw JSON5SyntaxError("unterminated array: the '[' at \(open) is never closed", at: location)
            }
            throw error("expected ',' or ']' in the array, found \(describeCurrent())")
        }
        depth -= 1
        return .array(elements)
    }

    private mutating func enter() throws(JSON5SyntaxError) {
        depth += 1
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth) levels") }
    }

    // MARK: - Strings

    private mutating func parseString() throws(JSON5SyntaxError) -> String {
        let open = location
        guard let quote = peek() else { throw error("expected a string") }
        advance()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else {
                throw JSON5SyntaxError("unterminated string starting at \(open)", at: location)
            }
            if c == quote { advance(); break }
            if c == "\n" || c == "\r" {
                throw error("unterminated string starting at \(open): a line break inside a string needs '\\'")
            }
            if c == "\\" {
                advance()
                try parseEscape(into: &out)
                continue
            }
            out.append(c)
            advance()
        }
        return String(out)
    }

    private mutating func parseEscape(into out: inout String.UnicodeScalarView) throws(JSON5SyntaxError) {
        guard let e = peek() else { throw error("unterminated escape sequence at the end of the text") }
        let escapeLocation = location
        advance()
        switch e {
        case "n": out.append("\n")
        case "t": out.append("\t")
        case "r": out.append("\r")
        case "b": out.append("\u{08}")
        case "f": out.append("\u{0C}")
        case "v": out.append("\u{0B}")
        case "0":
            if let d = peek(), ("0"..."9").contains(d) { throw error("octal escapes are not allowed in JSON5") }
            out.append("\u{00}")
        case "\n", "\u{2028}", "\u{2029}": break  // line continuation
        case "\r":
            if peek() == "\n" { advance() }
        case "x":
            let v = try parseHexDigits(count: 2, at: escapeLocation)
            out.append(Unicode.Scalar(UInt8(v)))
        case "u":
            var v = try parseHexDigits(count: 4, at: escapeLocation)
            if (0xD800..<0xDC00).contains(v), peek() == "\\", peekAt(1) == "u" {
                advance(); advance()
                let low = try parseHexDigits(count: 4, at: escapeLocation)
                guard (0xDC00..<0xE000).contains(low) else {
                    throw JSON5SyntaxError("invalid surrogate pair in \\u escape", at: escapeLocation)
                }
                v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(v) else {
                throw JSON5SyntaxError("invalid code point in \\u escape", at: escapeLocation)
            }
            out.append(scalar)
        case "1"..."9":
            throw JSON5SyntaxError("invalid escape '\\\(e)'", at: escapeLocation)
        default:
            out.append(e)  // JSON5: any other character escapes to itself (\" \' \\ \/ …)
        }
    }

    private mutating func parseHexDigits(count: Int, at start: SourceLocation) throws(JSON5SyntaxError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<count {
            guard let c = peek(), let d = hexValue(c) else {
                throw JSON5SyntaxError("expected \(count) hex digits in the escape", at: start)
            }
            v = v * 16 + d
            advance()
        }
        return v
    }

    // MARK: - Numbers

    /// The number, and for an integer literal (decimal digits or hex, no fraction or exponent) its
    /// exact value, which the Double rounds beyond 2^53.
    private mutating func parseNumber() throws(JSON5SyntaxError) -> (Double, IntegerLiteral?) {
        let start = location
        var sign = 1.0
        var signText = ""
        if peek() == "+" || peek() == "-" {
            if peek() == "-" { sign = -1; signText = "-" }
            advance()
        }
        if let c = peek(), isIdentifierStart(c) {
            let word = parseIdentifierName()
            if word == "Infinity" { return (sign * .infinity, nil) }
            if word == "NaN" { return (.nan, nil) }
            throw JSON5SyntaxError("expected a number, found \(quotedForMessage(word))", at: start)
        }
        if peek() == "0", let x = peekAt(1), x == "x" || x == "X" {
            advance(); advance()
            var v = 0.0
            var exact: Int? = 0
            var text = signText + "0x"
            var digits = 0
            while let c = peek(), let d = hexValue(c) {
                v = v * 16 + Double(d)
                exact = exact.flatMap { e in
                    let (m, o1) = e.multipliedReportingOverflow(by: 16)
                    let (a, o2) = m.addingReportingOverflow(sign < 0 ? -Int(d) : Int(d))
                    return o1 || o2 ? nil : a
                }
                text.unicodeScalars.append(c)
                digits += 1
                advance()
            }
            guard digits > 0 else { throw JSON5SyntaxError("expected hex digits after '0x'", at: start) }
            guard v.isFinite else {
                throw JSON5SyntaxError("the hex number with \(digits) digits is out of range: the largest finite "
                                       + "number is 1.7976931348623157e308", at: start)
            }
            return (sign * v, exact.map { .exact($0) } ?? .outOfRange(text))
        }
        var text = ""
        var sawDigit = false
        if peek() == "0", let next = peekAt(1), ("0"..."9").contains(next) {
            throw JSON5SyntaxError("numbers cannot have leading zeros", at: start)
        }
        while let c = peek(), ("0"..."9").contains(c) { text.unicodeScalars.append(c); sawDigit = true; advance() }
        if text.isEmpty { text = "0" }
        if peek() == "." {
            text += "."
            advance()
            var fraction = 0
            while let c = peek(), ("0"..."9").contains(c) {
                text.unicodeScalars.append(c); sawDigit = true; fraction += 1; advance()
            }
            if fraction == 0 { text += "0" }
        }
        guard sawDigit else { throw JSON5SyntaxError("expected digits in the number", at: start) }
        if let e = peek(), e == "e" || e == "E" {
            text += "e"
            advance()
            if let s = peek(), s == "+" || s == "-" { text.unicodeScalars.append(s); advance() }
            var expDigits = 0
            while let c = peek(), ("0"..."9").contains(c) { text.unicodeScalars.append(c); expDigits += 1; advance() }
            guard expDigits > 0 else { throw JSON5SyntaxError("expected digits in the exponent", at: start) }
        }
        if let c = peek(), isIdentifierStart(c) || ("0"..."9").contains(c) {
            throw error("unexpected \(describeCurrent()) after the number")
        }
        guard let v = Double(text) else { throw JSON5SyntaxError("invalid number \(quotedForMessage(text))", at: start) }
        // Overflow is an error rather than Infinity: write Infinity to mean it. (Underflow rounds to
        // 0 or a subnormal, as IEEE 754 and JavaScript do.)
        guard v.isFinite else {
            let written = quotedForMessage(sign < 0 ? "-" + text : text)
            throw JSON5SyntaxError("the number \(written) is out of range: the largest finite number is "
                                   + "1.7976931348623157e308", at: start)
        }
        return (sign * v, Self.integerValue(of: text, sign: signText))
    }

    /// The exact integer a decimal literal (`digits[.digits][e±digits]`, as parseNumber builds it)
    /// denotes, computed from its digits rather than through Double: `1e18` and `9007199254740993.0`
    /// are exact integers, `1e300` is out of Int's range, `1.5` and `5e-324` are not integers (nil).
    static func integerValue(of text: String, sign: String) -> IntegerLiteral? {
        let parts = text.split(separator: "e", maxSplits: 1, omittingEmptySubsequences: false)
        let mantissa = parts[0].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let fraction = mantissa.count > 1 ? mantissa[1] : ""
        var digits = Substring(String(mantissa[0] + fraction).drop { $0 == "0" })
        if digits.isEmpty { return .exact(0) }
        let written = parts.count > 1 ? String(parts[1]) : "0"
        guard let e = Int(written), e > Int.min / 2, e < Int.max / 2 else {
            // An exponent beyond Int: a huge number, or a tiny one that is not an integer.
            return written.hasPrefix("-") ? nil : .outOfRange(sign + text)
        }
        var exponent = e - fraction.count
        while exponent < 0, digits.last == "0" { digits.removeLast(); exponent += 1 }
        guard exponent >= 0 else { return nil }
        guard digits.count + exponent <= 19 else { return .outOfRange(sign + text) }  // ≥ 10^19 > Int.max
        let full = sign + digits + String(repeating: "0", count: exponent)
        return Int(full).map { .exact($0) } ?? .outOfRange(sign + text)
    }

    // MARK: - Identifiers, whitespace, comments

    private mutating func parseIdentifierName() -> String {
        var out = String.UnicodeScalarView()
        while let c = peek(), isIdentifierPart(c) {
            out.append(c)
            advance()
        }
        return String(out)
    }

    private func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        c == "$" || c == "_" || c.properties.isAlphabetic
    }

    private func isIdentifierPart(_ c: Unicode.Scalar) -> Bool {
        isIdentifierStart(c) || ("0"..."9").contains(c) || c == "\u{200C}" || c == "\u{200D}"
            || c.properties.generalCategory == .decimalNumber
    }

    private mutating func skipTrivia() throws(JSON5SyntaxError) {
        while let c = peek() {
            if c == "/" && peekAt(1) == "/" {
                while let d = peek(), d != "\n" { advance() }
            } else if c == "/" && peekAt(1) == "*" {
                let open = location
                advance(); advance()
                while true {
                    guard let d = peek() else {
                        throw JSON5SyntaxError("unterminated comment: the '/*' at \(open) is never closed", at: location)
                    }
                    if d == "*" && peekAt(1) == "/" { advance(); advance(); break }
                    advance()
                }
            } else if c.properties.isWhitespace || c == "\u{FEFF}" {
                advance()
            } else {
                return
            }
        }
    }

    // MARK: - Cursor

    private var location: SourceLocation { SourceLocation(line: line, column: column) }

    private func peek() -> Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private func peekAt(_ offset: Int) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private mutating func advance() {
        guard index < scalars.count else { return }
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private func hexValue(_ c: Unicode.Scalar) -> UInt32? {
        switch c {
        case "0"..."9": return c.value - 48
        case "a"..."f": return c.value - 87
        case "A"..."F": return c.value - 55
        default: return nil
        }
    }

    private func describeCurrent() -> String {
        guard let c = peek() else { return "the end of the text" }
        if c == "\n" { return "a line break" }
        return quotedForMessage(String(c))
    }

    private func error(_ message: String) -> JSON5SyntaxError { JSON5SyntaxError(message, at: location) }
}
