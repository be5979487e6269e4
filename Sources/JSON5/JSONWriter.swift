// Writes JSONValue trees as JSON text, compact (one line) or indented.

/// Renders JSON text. Numbers use the shortest representation that reads back to the same `Double`
/// (integral values below 2^53 without a fraction); non-finite numbers are written as the JSON5
/// tokens `NaN`, `Infinity` and `-Infinity`, which `JSON5Parser` reads back.
public enum JSONWriter {
    /// One line, no spaces: the journal format.
    public static func compact(_ value: JSONValue) -> String {
        var out = ""
        write(value, into: &out, indent: nil, level: 0)
        return out
    }

    /// Indented by two spaces, one member per line: the format of files people read (best.json).
    public static func pretty(_ value: JSONValue) -> String {
        var out = ""
        write(value, into: &out, indent: "  ", level: 0)
        return out
    }

    /// The JSON text of one number.
    public static func number(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "Infinity" : "-Infinity" }
        if x == x.rounded(), abs(x) < 9_007_199_254_740_992 {
            if x == 0 && x.sign == .minus { return "-0" }
            return String(Int64(x))
        }
        return "\(x)"
    }

    /// The JSON text of one string, quoted and escaped. Control characters (C0, DEL and C1) are
    /// always escaped, so the text is safe to print to a terminal.
    /// `string(s)` for a user's word echoed in a message: cut at `limit` Unicode scalars, with the full
    /// length said after the closing quote, so that a megabyte-long name makes a short message.
    public static func string(_ s: String, cutAt limit: Int) -> String {
        let scalars = s.unicodeScalars
        guard scalars.count > limit else { return string(s) }
        return string(String(String.UnicodeScalarView(scalars.prefix(limit)))) + "… (\(scalars.count) characters)"
    }

    public static func string(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if c.value < 0x20 || (0x7F...0x9F).contains(c.value) {  // DEL and C1 too: valid JSON either way
                    let hex = String(c.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }

    private static func write(_ value: JSONValue, into out: inout String, indent: String?, level: Int) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let x): out += number(x)
        case .string(let s): out += string(s)
        case .array(let elements):
            if elements.isEmpty { out += "[]"; return }
            // Arrays of scalars stay on one line even when pretty: [128, 128] reads better than a column.
            let scalarsOnly = elements.allSatisfy {
                switch $0.value {
                case .array, .object: return false
                default: return true
                }
            }
            let ind = scalarsOnly ? nil : indent
            out += "["
            for (i, e) in elements.enumerated() {
                if i > 0 { out += ind == nil && indent != nil ? ", " : "," }
                newline(&out, ind, level + 1)
                write(e.value, into: &out, indent: indent, level: level + 1)
            }
            newline(&out, ind, level)
            out += "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (i, m) in members.enumerated() {
                if i > 0 { out += "," }
                newline(&out, indent, level + 1)
                out += string(m.key)
                out += indent == nil ? ":" : ": "
                write(m.value.value, into: &out, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out += "}"
        }
    }

    private static func newline(_ out: inout String, _ indent: String?, _ level: Int) {
        guard let indent else { return }
        out += "\n" + String(repeating: indent, count: level)
    }
}
