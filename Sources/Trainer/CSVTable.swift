// The CSV parser proper: complete lines of bytes in, Float feature rows and interned target cells out.

/// Parses the rows of one or more CSV files (a training file, then optionally a validation file) into a
/// feature matrix the caller owns, and keeps the target column as numbers and as interned texts.
/// Every problem is a `DatasetError` at file:line:field with the column's name.
struct CSVTable {
    /// At most this many distinct target texts are kept; more cannot be a classification.
    static let maxLabels = 10_000

    struct Origin: Equatable { var file: Int, line: Int, field: Int }

    let target: String
    let missing: MissingPolicy
    var files: [String] = []
    var names: [String] = []
    var targetIndex = 0
    var columns: Int { names.count }
    var features: Int { names.count - 1 }

    var rows = 0
    var capacityRows = 0
    var values: [Double] = []        // the target as a number per row (NaN when it is not one)
    var labelIDs: [Int32] = []       // the target text per row, interned (−1 past maxLabels)
    var labelIndex: [String: Int32] = [:]
    var labelNames: [String] = []
    var labelValues: [Double] = []   // each text as a number (NaN if it is not one)
    var shortLabels: [UInt64: Int32] = [:]
    var labelOrigins: [Origin] = []  // where each text first appears
    var tooManyLabels = false
    var allIntegral = true
    var firstNonNumeric: Origin?
    var firstNonNumericText: String?
    var missingCount = 0
    var missingAt: [Origin] = []     // the first few missing cells
    var droppedRows = 0

    var line = 0
    var skipThrough = 0              // lines up to the header's are not data
    var headerLines: [Int] = []      // each file's header line, for errors about what follows it
    private var rowValue = 0.0, rowLabel: Int32 = -1, rowMissing = false, rowOrigin = Origin(file: 0, line: 0, field: 0)
    private var cbuf: [CChar] = []
    var quoted = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)  // a quoted field's bytes, unescaped
    var quotedCapacity = 256

    init(target: String, missing: MissingPolicy) {
        self.target = target
        self.missing = missing
    }

    func release() { quoted.deallocate() }

    var file: String { files.last ?? "" }

    func error(_ field: Int? = nil, _ message: String) -> DatasetError {
        DatasetError(file: file, line: line, field: field.map { $0 + 1 },
                     column: field.flatMap { $0 < names.count ? names[$0] : nil }, message)
    }

    // MARK: - Rows

    /// Parses the complete lines in `p[0..<n]` (`p[n-1]` is a newline) into rows of `x`, which has room for
    /// `capacityRows` rows of `features` values.
    mutating func parse(_ p: UnsafePointer<UInt8>, _ n: Int, into x: UnsafeMutablePointer<Float>) throws(DatasetError) {
        var i = 0
        while i < n {
            line += 1
            if line <= skipThrough {
                while p[i] != 0x0A { i += 1 }
                i += 1
                continue
            }
            var k = i
            while p[k] == 0x20 || p[k] == 0x09 || p[k] == 0x0D { k += 1 }
            if p[k] == 0x0A { i = k + 1; continue }
            guard rows < capacityRows else { throw error(nil, "the file grew while it was being read") }
            i = try row(p, i, end: n, into: x + rows * features)
        }
    }

    @inline(__always)
    private mutating func row(_ p: UnsafePointer<UInt8>, _ start: Int, end: Int, into out: UnsafeMutablePointer<Float>)
        throws(DatasetError) -> Int
    {
        var j = start, index = 0
        rowMissing = false
        rowLabel = -1
        while true {
            if index != targetIndex, index < columns,
               let (v, next) = Self.swarFloat(p, j, end: end) ?? Self.fastFloat(p, j) {
                out[index < targetIndex ? index : index - 1] = v
                index += 1
                if p[next] == 0x0A {
                    guard index == columns else { throw ragged(p, start, end) }
                    commit()
                    return next + 1
                }
                j = next + 1
                continue
            }
            var a = j
            while p[a] == 0x20 || p[a] == 0x09 { a += 1 }
            let value: UnsafePointer<UInt8>, count: Int, next: Int
            if p[a] == 0x22 {
                (value, count, next) = try unquote(p, a, end: end, index: index)
            } else {
                var e = a
                while p[e] != 0x2C && p[e] != 0x0A { e += 1 }
                var b = e
                while b > a && Self.isBlank(p[b - 1]) { b -= 1 }
                (value, count, next) = (p + a, b - a, e)
            }
            guard index < columns else { throw ragged(p, start, end) }
            if index == targetIndex {
                try targetCell(value, count, index)
            } else {
                let column = index < targetIndex ? index : index - 1
                if let v = CSVNumbers.float(value, count, scratch: &cbuf), v.isFinite {
                    out[column] = v
                } else {
                    try badNumber(value, count, index)
                }
            }
            index += 1
            if p[next] == 0x0A {
                guard index == columns else { throw ragged(p, start, end) }
                commit()
                return next + 1
            }
            j = next + 1
        }
    }

    /// The commonest case without a loop per digit: `[-]d….f…` then ',' or the newline, at most 8 integer and
    /// 1…7 fraction digits, the fraction's 8-byte window inside `p[..<end]`. Its digits are found and
    /// converted 8 bytes at a time (SWAR), so no branch depends on how many digits there are. Same value as
    /// `fastFloat` (m ≤ 2²⁴, one correctly rounded division by 10^L); nil for anything else.
    @inline(__always)
    static func swarFloat(_ p: UnsafePointer<UInt8>, _ start: Int, end: Int) -> (Float, Int)? {
        let negative = p[start] == 0x2D
        var i = start &+ (negative ? 1 : 0)
        let i0 = i
        var m: UInt64 = 0
        while true {
            let d = p[i] &- 0x30
            if d >= 10 { break }
            m = m &* 10 &+ UInt64(d); i += 1
        }
        let intDigits = i - i0
        guard intDigits > 0, intDigits <= 8, p[i] == 0x2E, i + 9 <= end else { return nil }
        let j = i + 1
        // Byte k of `a` is p[j + k] − '0' (little-endian); its high bit ends up set in `nonDigit` unless it is 0…9.
        let a = UInt64(littleEndian: UnsafeRawPointer(p + j).loadUnaligned(as: UInt64.self)) ^ 0x3030_3030_3030_3030
        let nonDigit = (((a & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7676_7676_7676_7676) | a) & 0x8080_8080_8080_8080
        let length = nonDigit.trailingZeroBitCount >> 3   // 8 when all are digits
        guard length > 0, length < 8 else { return nil }
        let t = p[j + length]
        guard t == 0x2C || t == 0x0A else { return nil }
        // The `length` digits as 8 with leading zeros, then 8 digits → one number (first digit in the low byte).
        var v = a &<< UInt64(64 - 8 * length)
        v = (v &* 10) &+ (v >> 8)
        v = (((v & 0x0000_00FF_0000_00FF) &* (100 &+ (1_000_000 << 32)))
             &+ (((v >> 16) & 0x0000_00FF_0000_00FF) &* (1 &+ (10_000 << 32)))) >> 32
        m = m &* tenPowers[length] &+ v
        guard m <= 1 << 24 else { return nil }
        let f = Float(m) / CSVNumbers.floatPowers[length]
        return (negative ? -f : f, j + length)
    }

    static let tenPowers: [UInt64] = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000]

    /// The common case in one pass: a plain decimal field with ≤ 19 digits, m ≤ 2²⁴ and |e| ≤ 10 (exact as
    /// `CSVNumbers.float`'s fast path), blanks around it, then ',' or the newline. Returns the value and
    /// the terminator's index, or nil to let the general path look at the field again.
    @inline(__always)
    static func fastFloat(_ p: UnsafePointer<UInt8>, _ start: Int) -> (Float, Int)? {
        var i = start
        while p[i] == 0x20 || p[i] == 0x09 { i += 1 }
        let negative = p[i] == 0x2D
        if negative || p[i] == 0x2B { i += 1 }
        var m: UInt64 = 0, digits = 0, e = 0
        while true {
            let d = p[i] &- 0x30
            if d >= 10 { break }
            m = m &* 10 &+ UInt64(d); digits += 1; i += 1
        }
        if p[i] == 0x2E {
            i += 1
            while true {
                let d = p[i] &- 0x30
                if d >= 10 { break }
                m = m &* 10 &+ UInt64(d); digits += 1; e -= 1; i += 1
            }
        }
        guard digits > 0 && digits <= 19 else { return nil }
        if p[i] | 0x20 == 0x65 {
            i += 1
            let expNegative = p[i] == 0x2D
            if expNegative || p[i] == 0x2B { i += 1 }
            var x = 0, xd = 0
            while true {
                let d = p[i] &- 0x30
                if d >= 10 { break }
                x = x &* 10 &+ Int(d); xd += 1; i += 1
            }
            guard xd > 0 && xd <= 4 else { return nil }
            e += expNegative ? -x : x
        }
        while p[i] == 0x20 || p[i] == 0x09 || p[i] == 0x0D { i += 1 }
        guard (p[i] == 0x2C || p[i] == 0x0A) && m <= 1 << 24 && e >= -10 && e <= 10 else { return nil }
        let v = e >= 0 ? Float(m) * CSVNumbers.floatPowers[e] : Float(m) / CSVNumbers.floatPowers[-e]
        return (negative ? -v : v, i)
    }

    private mutating func commit() {
        if rowMissing {
            if missing == .drop { droppedRows += 1 }
            return
        }
        if rowValue.isNaN && firstNonNumeric == nil {
            firstNonNumeric = rowOrigin
            if rowLabel >= 0 { firstNonNumericText = labelNames[Int(rowLabel)] }
        }
        values.append(rowValue)
        labelIDs.append(rowLabel)
        rows += 1
    }

    private mutating func markMissing(_ index: Int) {
        rowMissing = true
        missingCount += 1
        if missingAt.count < 5 { missingAt.append(Origin(file: files.count - 1, line: line, field: index)) }
    }

    private mutating func targetCell(_ v: UnsafePointer<UInt8>, _ count: Int, _ index: Int) throws(DatasetError) {
        guard count > 0 else { markMissing(index); return }
        rowOrigin = Origin(file: files.count - 1, line: line, field: index)
        // A label of up to 7 bytes seen before is found by its bytes packed in a UInt64 (no String made).
        var key: UInt64 = 0
        if count <= 7 && !tooManyLabels {
            key = UInt64(count) << 56
            for k in 0..<count { key |= UInt64(v[k]) << (8 * UInt64(k)) }
            if let id = shortLabels[key] {
                rowLabel = id
                rowValue = labelValues[Int(id)]
                return
            }
        }
        let text = UnsafeBufferPointer(start: v, count: count)
        if let bad = Self.controlCharacter(text) {
            throw error(index, "contains the control character \(bad): \(Self.shown(v, count))")
        }
        if let d = CSVNumbers.double(v, count, scratch: &cbuf), d.isFinite {
            rowValue = d
            if d.rounded(.towardZero) != d { allIntegral = false }
        } else {
            rowValue = .nan
        }
        guard !tooManyLabels else { return }
        guard let label = String(validating: text, as: UTF8.self) else {
            throw error(index, "is not valid UTF-8 text (\(Self.shown(v, count)))")
        }
        if let id = labelIndex[label] {
            rowLabel = id
        } else if labelNames.count < Self.maxLabels {
            rowLabel = Int32(labelNames.count)
            labelIndex[label] = rowLabel
            labelNames.append(label)
            labelValues.append(rowValue)
            labelOrigins.append(rowOrigin)
            if count <= 7 { shortLabels[key] = rowLabel }
        } else {
            tooManyLabels = true
            labelIndex = [:]
            shortLabels = [:]
        }
    }

    private mutating func badNumber(_ v: UnsafePointer<UInt8>, _ count: Int, _ index: Int) throws(DatasetError) {
        if Self.isMissingToken(v, count) { markMissing(index); return }
        if let d = CSVNumbers.double(v, count, scratch: &cbuf), d.isFinite {
            throw error(index, "\(Self.shown(v, count)) is beyond the range of Float32 (±3.40282e+38)")
        }
        throw error(index, "expected a number, got \(Self.shown(v, count))")
    }

    /// The "expected N fields" error, counting the line's fields with quoting.
    private mutating func ragged(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> DatasetError {
        var count = 0, i = start
        while true {
            guard let (_, _, next) = try? field(p, i, end: end, index: count) else { break }
            count += 1
            if next >= end || p[next] == 0x0A { break }
            i = next + 1
        }
        // Located at the first missing field (or the first extra one), numbered like every other field.
        return error(min(count, columns), "expected \(columns) fields as in the header, got \(count)")
    }

    // MARK: - Bytes

    @inline(__always) static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }

    /// Empty, or one of NA, N/A, n/a, NaN, nan, -nan, null, NULL, None, ? (pandas' usual markers).
    static func isMissingToken(_ v: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        guard count <= 4 else { return false }
        let text = String(decoding: UnsafeBufferPointer(start: v, count: count), as: UTF8.self)
        return ["", "NA", "N/A", "n/a", "NaN", "nan", "-nan", "null", "NULL", "None", "?"].contains(text)
    }

    /// The first control character (other than tab) as `U+XXXX`, if any.
    static func controlCharacter(_ text: UnsafeBufferPointer<UInt8>) -> String? {
        guard let b = text.first(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else { return nil }
        let hex = String(b, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    /// A cell for a message: quoted, control characters and invalid UTF-8 escaped, long text cut.
    static func shown(_ v: UnsafePointer<UInt8>, _ count: Int) -> String {
        if count == 0 { return "an empty field" }
        let bytes = UnsafeBufferPointer(start: v, count: min(count, 40))
        var s = ""
        if let text = String(validating: bytes, as: UTF8.self) {
            for u in text.unicodeScalars {
                if u.value < 0x20 || (u.value >= 0x7F && u.value < 0xA0) {
                    s += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
                } else {
                    s.unicodeScalars.append(u)
                }
            }
        } else {
            for b in bytes {
                if b >= 0x20 && b < 0x7F { s.unicodeScalars.append(Unicode.Scalar(b)) } else {
                    s += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
                }
            }
        }
        return "'" + s + (count > 40 ? "…" : "") + "'"
    }
}
