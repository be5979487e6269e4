// The edges of the text: bytes that must be UTF-8 (with the place of the first that is not), and
// input quoted into messages so that no byte of it can drive the terminal or flood it.

/// Decodes `bytes` as UTF-8, or throws a syntax error at the line:column of the first byte that is not
/// part of a well-formed UTF-8 sequence (columns count Unicode scalars, as ``JSON5Parser`` does).
/// Overlong forms, surrogates, code points above U+10FFFF and truncated sequences are all rejected.
///
/// - Complexity: O(n) in the number of bytes.
public func decodeUTF8(_ bytes: some Collection<UInt8>) throws(JSON5SyntaxError) -> String {
    if let text = String(validating: bytes, as: UTF8.self) { return text }
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var line = 1, column = 1, offset = 0
    while true {
        switch parser.parseScalar(from: &iterator) {
        case .valid(let encoded):
            if encoded.count == 1 && encoded.first == 10 {
                line += 1
                column = 1
            } else {
                column += 1
            }
            offset += encoded.count
        case .error(let length):
            let pending = Array(bytes.dropFirst(offset).prefix(max(length, 1)))
            let shown = pending.map { "0x" + String($0, radix: 16, uppercase: true) }.joined(separator: " ")
            throw JSON5SyntaxError(
                "the text is not UTF-8: byte\(pending.count == 1 ? "" : "s") \(shown) at byte offset \(offset) "
                    + "\(pending.count == 1 ? "is" : "are") not a UTF-8 character (save the file as UTF-8)",
                at: SourceLocation(line: line, column: column))
        case .emptyInput:
            // Unreachable: String(validating:) failed, so some sequence is invalid.
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

/// `s` single-quoted for an error message: control characters (C0, DEL, C1) and the line and
/// paragraph separators written as escapes (`\n`, `\u{1B}`), and text past `limit` characters cut to
/// `…` with the full length stated, so a 1 MB key costs one line.
public func quotedForMessage(_ s: String, limit: Int = 60) -> String {
    var out = "'"
    var count = 0
    for c in s.unicodeScalars {
        if count == limit {
            out += "…' (\(s.unicodeScalars.count) characters)"
            return out
        }
        count += 1
        switch c {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "'": out += "\\'"
        case "\\": out += "\\\\"
        default:
            if isControlForTerminal(c) {
                out += "\\u{" + String(c.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(c)
            }
        }
    }
    return out + "'"
}

/// Whether a terminal may act on `c` rather than show it: C0 controls, DEL, C1 controls, and the
/// line and paragraph separators.
public func isControlForTerminal(_ c: Unicode.Scalar) -> Bool {
    c.value < 0x20 || (0x7F...0x9F).contains(c.value) || c == "\u{2028}" || c == "\u{2029}"
}
