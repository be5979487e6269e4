// Decimal text → Float/Double, correctly rounded: an exact fast path for plain decimals, strtof/strtod otherwise.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum CSVNumbers {
    /// 10⁰ … 10¹⁰, exact in Float32 (10¹⁰ = 2¹⁰ · 5¹⁰ and 5¹⁰ < 2²⁴).
    static let floatPowers: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]
    /// 10⁰ … 10²², exact in Float64 (5²² < 2⁵³).
    static let doublePowers: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
                                         1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

    /// Reads `[+-]digits[.digits][(e|E)[+-]digits]` (at least one digit) as ±m · 10^e, m < 10¹⁹; nil for
    /// anything else, including more significant digits than fit, so the caller falls back to the C library.
    @inline(__always)
    static func decimal(_ p: UnsafePointer<UInt8>, _ count: Int) -> (negative: Bool, m: UInt64, e: Int)? {
        var i = 0
        var negative = false
        if i < count && (p[i] == 0x2D || p[i] == 0x2B) { negative = p[i] == 0x2D; i += 1 }
        var m: UInt64 = 0, e = 0, digits = 0
        while i < count, p[i] &- 0x30 < 10 {
            guard m < 1_000_000_000_000_000_000 else { return nil }
            m = m &* 10 &+ UInt64(p[i] &- 0x30)
            i += 1; digits += 1
        }
        if i < count && p[i] == 0x2E {
            i += 1
            while i < count, p[i] &- 0x30 < 10 {
                guard m < 1_000_000_000_000_000_000 else { return nil }
                m = m &* 10 &+ UInt64(p[i] &- 0x30)
                i += 1; digits += 1; e -= 1
            }
        }
        guard digits > 0 else { return nil }
        if i < count && (p[i] | 0x20) == 0x65 {
            i += 1
            var expNegative = false
            if i < count && (p[i] == 0x2D || p[i] == 0x2B) { expNegative = p[i] == 0x2D; i += 1 }
            var x = 0, expDigits = 0
            while i < count, p[i] &- 0x30 < 10 {
                guard x < 100_000 else { return nil }
                x = x * 10 + Int(p[i] &- 0x30)
                i += 1; expDigits += 1
            }
            guard expDigits > 0 else { return nil }
            e += expNegative ? -x : x
        }
        return i == count ? (negative, m, e) : nil
    }

    /// The Float32 nearest to the decimal text (round to nearest even, as strtof), or nil when the text
    /// is not a number. Non-finite results (`inf`, `1e39`) are returned for the caller to reject.
    /// Fast path: m ≤ 2²⁴ and |e| ≤ 10, where m and 10^|e| are exact and one IEEE multiply or divide rounds
    /// correctly; everything else goes through `strtof` on a NUL-terminated copy.
    @inline(__always)
    static func float(_ p: UnsafePointer<UInt8>, _ count: Int, scratch: inout [CChar]) -> Float? {
        if let d = decimal(p, count), d.m <= 1 << 24, d.e >= -10, d.e <= 10 {
            let v = d.e >= 0 ? Float(d.m) * floatPowers[d.e] : Float(d.m) / floatPowers[-d.e]
            return d.negative ? -v : v
        }
        return library(p, count, scratch: &scratch) { strtof($0, $1) }
    }

    /// The Float64 nearest to the text (as strtod): fast path m ≤ 2⁵³ and |e| ≤ 22.
    @inline(__always)
    static func double(_ p: UnsafePointer<UInt8>, _ count: Int, scratch: inout [CChar]) -> Double? {
        if let d = decimal(p, count), d.m <= 1 << 53, d.e >= -22, d.e <= 22 {
            let v = d.e >= 0 ? Double(d.m) * doublePowers[d.e] : Double(d.m) / doublePowers[-d.e]
            return d.negative ? -v : v
        }
        return library(p, count, scratch: &scratch) { strtod($0, $1) }
    }

    /// Runs a C conversion on a NUL-terminated copy; nil unless it consumes every byte (so an embedded NUL,
    /// leading space or trailing junk is not a number).
    static func library<T>(_ p: UnsafePointer<UInt8>, _ count: Int, scratch: inout [CChar],
                           _ convert: (UnsafePointer<CChar>, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> T) -> T? {
        guard count > 0, count < 4096 else { return nil }
        if scratch.count < count + 1 { scratch = [CChar](repeating: 0, count: count + 1) }
        for i in 0..<count {
            let b = p[i]
            guard b != 0, b != 0x20, b != 0x09 else { return nil }
            scratch[i] = CChar(bitPattern: b)
        }
        scratch[count] = 0
        return scratch.withUnsafeMutableBufferPointer { buffer -> T? in
            guard let base = buffer.baseAddress else { return nil }
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = convert(base, &end)
            return end == base + count ? v : nil
        }
    }
}
