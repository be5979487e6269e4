// Seeded byte-level mutations of JSON5 and CSV inputs, for the fuzz tests: every mutation is a pure
// function of (input, kind, generator state), so a case number and a seed reproduce it exactly.

import Trainer

/// The fuzz tests' generator: the trainer's SplitMix64 (Steele, Lea, Flood 2014), one UInt64 of state.
public typealias FuzzRNG = SplitMix64

extension SplitMix64 {
    /// The generator for case `index` of a run seeded `seed`: cases are independent of each other,
    /// so one case reproduces without replaying the ones before it.
    public static func forCase(_ index: Int, seed: UInt64) -> SplitMix64 {
        var g = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03))
        _ = g.next()
        return g
    }
}

/// The mutations. Each names a class of hostile input the CLI must reject with a located error
/// (or accept) without a signal, a hang or a different exit code.
public enum MutationKind: String, CaseIterable, Sendable {
    case truncate           // cut at a random byte
    case flipByte           // xor one byte with a random non-zero mask
    case insertBytes        // 1–8 random bytes at a random place
    case deleteBytes        // delete 1–16 bytes
    case numberExtreme      // a number token replaced by an extreme (1e308, 2^64, 1e-320, NaN, …)
    case deepNesting        // a number replaced by thousands of nested arrays or objects
    case controlChar        // NUL or another control character, often inside a string
    case longString         // a string or key of up to 1 MB
    case duplicateLine      // a line repeated: duplicate keys in JSON5, duplicate rows or headers in CSV
    case invalidUTF8        // a byte sequence that is not UTF-8 (lone continuation, overlong, surrogate, …)
    case csvCell            // CSV only: one cell replaced by an odd value (empty, quote, NaN, 1e400, text, …)
    case csvShape           // CSV only: rows dropped, fields added or removed, header changed, line ends changed
}

/// Extremes substituted for numbers: the edges of Double and of Int, values that round, overflow or
/// underflow, and the non-finite tokens JSON5 accepts.
public let extremeNumbers: [String] = [
    "1e308", "-1e308", "1.7976931348623157e308", "1e-320", "4.9e-324", "1e-400", "0", "-0", "0.0", "-1",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
    "18446744073709551616", "9007199254740993", "2147483648", "4294967296", "1e9", "1e12", "1e15", "1e18",
    "1e400", "-1e400", "NaN", "-NaN", "Infinity", "-Infinity", "+Infinity", "0x7FFFFFFFFFFFFFFF",
    "0xFFFFFFFFFFFFFFFFFFFF", "123456789012345678901234567890", "1e", ".e1", "0.1e-2147483649", "1e2147483648",
]

/// Odd CSV cell contents.
let oddCells: [String] = [
    "", " ", "\"", "\"\"", "\"a,b\"", "\"unterminated", "a\"b", "NaN", "nan", "inf", "-inf", "Infinity", "1e400",
    "-1e400", "1e-400", "0x10", "1_000", "1,5", "abc", "-", "+", ".", "1e", "١٢", "\u{0}", "1\u{0}2", "\u{1B}[31m",
    "\u{FEFF}1", "9223372036854775808", "1e308", "-0",
]

/// Applies one mutation of `kind` to `input`, drawing every choice from `rng`.
public func mutate(_ input: [UInt8], _ kind: MutationKind, using rng: inout FuzzRNG) -> [UInt8] {
    var b = input
    func position(_ inclusiveEnd: Bool = true) -> Int {
        b.isEmpty ? 0 : Int.random(in: 0...(inclusiveEnd ? b.count : b.count - 1), using: &rng)
    }
    switch kind {
    case .truncate:
        return Array(b.prefix(position()))
    case .flipByte:
        guard !b.isEmpty else { return [UInt8.random(in: 0...255, using: &rng)] }
        b[position(false)] ^= UInt8.random(in: 1...255, using: &rng)
    case .insertBytes:
        let bytes = (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        b.insert(contentsOf: bytes, at: position())
    case .deleteBytes:
        guard !b.isEmpty else { return b }
        let start = position(false)
        b.removeSubrange(start..<min(b.count, start + Int.random(in: 1...16, using: &rng)))
    case .numberExtreme:
        let value = Array(extremeNumbers.randomElement(using: &rng)!.utf8)
        guard let range = numberTokens(b).randomElement(using: &rng) else { return value }
        b.replaceSubrange(range, with: value)
    case .deepNesting:
        let depth = [513, 1_000, 10_000, 100_000].randomElement(using: &rng)!
        let nested: [UInt8] = Bool.random(using: &rng)
            ? Array(String(repeating: "[", count: depth).utf8) + [UInt8(ascii: "1")]
                + Array(String(repeating: "]", count: depth).utf8)
            : Array(String(repeating: "{a:", count: depth).utf8) + [UInt8(ascii: "1")]
                + Array(String(repeating: "}", count: depth).utf8)
        if let range = numberTokens(b).randomElement(using: &rng) {
            b.replaceSubrange(range, with: nested)
        } else {
            b.insert(contentsOf: nested, at: position())
        }
    case .controlChar:
        let c = ([0x00, 0x01, 0x07, 0x08, 0x0B, 0x0C, 0x0D, 0x1B, 0x7F] as [UInt8]).randomElement(using: &rng)!
        let quotes = b.indices.filter { b[$0] == UInt8(ascii: "\"") || b[$0] == UInt8(ascii: ",") }
        let at = quotes.isEmpty || Bool.random(using: &rng) ? position() : quotes.randomElement(using: &rng)! + 1
        b.insert(c, at: min(at, b.count))
    case .longString:
        let length = [300, 5_000, 100_000, 1_000_000].randomElement(using: &rng)!
        let filler = Array(String(repeating: Bool.random(using: &rng) ? "a" : "é", count: length).utf8)
        let quotes = b.indices.filter { b[$0] == UInt8(ascii: "\"") || b[$0] == UInt8(ascii: ",") }
        b.insert(contentsOf: filler, at: quotes.randomElement(using: &rng).map { $0 + 1 } ?? position())
    case .duplicateLine:
        let lines = lineRanges(b)
        guard let line = lines.randomElement(using: &rng) else { return b }
        let copy = Array(b[line]) + [UInt8(ascii: "\n")]
        let target = Bool.random(using: &rng) ? line.upperBound : (lines.randomElement(using: &rng)?.lowerBound ?? 0)
        b.insert(contentsOf: copy, at: min(target + (target == line.upperBound && target < b.count ? 1 : 0), b.count))
    case .invalidUTF8:
        let sequences: [[UInt8]] = [[0xFF], [0xFE], [0x80], [0xC3], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80],
                                    [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
                                    [0xF8, 0x88, 0x80, 0x80, 0x80]]
        let s = sequences.randomElement(using: &rng)!
        if !b.isEmpty, Bool.random(using: &rng) {
            let at = position(false)
            b.replaceSubrange(at..<min(b.count, at + s.count), with: s)
        } else {
            b.insert(contentsOf: s, at: position())
        }
    case .csvCell:
        let cells = cellRanges(b)
        let value = Array(oddCells.randomElement(using: &rng)!.utf8)
        guard let range = cells.randomElement(using: &rng) else { return value }
        b.replaceSubrange(range, with: value)
    case .csvShape:
        return mutateShape(b, using: &rng)
    }
    return b
}

/// Row-level CSV mutations: whole lines kept, dropped, reordered or re-ended.
private func mutateShape(_ input: [UInt8], using rng: inout FuzzRNG) -> [UInt8] {
    var lines = lineRanges(input).map { Array(input[$0]) }
    let newline = UInt8(ascii: "\n")
    switch Int.random(in: 0..<9, using: &rng) {
    case 0: lines = Array(lines.prefix(Int.random(in: 0...min(2, lines.count), using: &rng)))  // header only / 1 row
    case 1: if lines.count > 1 { lines.remove(at: Int.random(in: 1..<lines.count, using: &rng)) }
    case 2:  // one field too many or too few on a line
        if let i = lines.indices.randomElement(using: &rng) {
            if Bool.random(using: &rng) { lines[i] += Array(",1".utf8) } else if let c = lines[i].lastIndex(of: 44) {
                lines[i].removeSubrange(c...)
            }
        }
    case 3:  // a header name duplicated or emptied
        if !lines.isEmpty, let c = lines[0].firstIndex(of: 44) {
            let first = Array(lines[0][..<c])
            lines[0].replaceSubrange(..<c, with: Bool.random(using: &rng) ? [] : first + [44] + first)
            if lines[0].count > 0, lines.count > 1, Bool.random(using: &rng) { lines.removeSubrange(1...) }
        }
    case 4: return lines.map { $0 + [13, 10] }.flatMap { $0 }  // CRLF
    case 5: return Array(lines.joined(separator: [13]))  // bare CR line ends
    case 6: return [0xEF, 0xBB, 0xBF] + Array(lines.joined(separator: [newline]))  // BOM
    case 7: lines.insert([], at: Int.random(in: 0...lines.count, using: &rng))  // blank line
    default:  // every data row given the same target: one class
        for i in lines.indices.dropFirst() {
            if let c = lines[i].lastIndex(of: 44) { lines[i].replaceSubrange((c + 1)..., with: Array("x".utf8)) }
        }
    }
    return Array(lines.joined(separator: [newline])) + [newline]
}

/// Byte ranges of number-like tokens: a digit (or a sign or '.' before one) not inside a word, and the
/// digits, letters, '.', '+' and '-' that follow.
func numberTokens(_ b: [UInt8]) -> [Range<Int>] {
    func isWord(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 46
    }
    var out: [Range<Int>] = []
    var i = 0
    while i < b.count {
        let c = b[i]
        let isStart = (c >= 48 && c <= 57) || ((c == 45 || c == 46) && i + 1 < b.count && b[i + 1] >= 48 && b[i + 1] <= 57)
        if isStart && (i == 0 || !isWord(b[i - 1])) {
            var j = i + 1
            while j < b.count, isWord(b[j]) || ((b[j] == 43 || b[j] == 45) && (b[j - 1] == 101 || b[j - 1] == 69)) {
                j += 1
            }
            out.append(i..<j)
            i = j
        } else {
            i += 1
        }
    }
    return out
}

/// Byte ranges of lines, without their "\n".
func lineRanges(_ b: [UInt8]) -> [Range<Int>] {
    var out: [Range<Int>] = []
    var start = 0
    for (i, c) in b.enumerated() where c == 10 {
        out.append(start..<i)
        start = i + 1
    }
    if start < b.count { out.append(start..<b.count) }
    return out
}

/// Byte ranges of comma-separated cells (ignoring quotes: a mutation may as well split a quoted field).
func cellRanges(_ b: [UInt8]) -> [Range<Int>] {
    var out: [Range<Int>] = []
    var start = 0
    for (i, c) in b.enumerated() where c == 10 || c == 44 || c == 13 {
        out.append(start..<i)
        start = i + 1
    }
    if start < b.count { out.append(start..<b.count) }
    return out
}

/// `bytes` as printable ASCII for a failure message: `\n`, `\t`, `\\`, `\xNN` for everything else
/// outside 0x20–0x7E, and runs of one byte longer than 16 shortened to `<byte × count>`.
public func escapedForDisplay(_ bytes: [UInt8], limit: Int = 4_000) -> String {
    var out = ""
    var i = 0
    while i < bytes.count, out.count < limit {
        let c = bytes[i]
        var run = 1
        while i + run < bytes.count, bytes[i + run] == c { run += 1 }
        let one: String
        switch c {
        case 10: one = "\\n"
        case 9: one = "\\t"
        case 92: one = "\\\\"
        case 0x20...0x7E: one = String(UnicodeScalar(c))
        default: one = "\\x" + String(c, radix: 16, uppercase: true).leftPadded(2)
        }
        if run > 16 {
            out += "<\(one) × \(run)>"
            i += run
        } else {
            out += one
            i += 1
        }
    }
    if i < bytes.count { out += "… (\(bytes.count - i) more bytes)" }
    return out
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
