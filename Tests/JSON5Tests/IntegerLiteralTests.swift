// Integer literals keep their exact value beyond 2^53, and out-of-range integers are range errors.

import JSON5
import Testing

@Suite struct IntegerLiteralTests {
    func integer(_ text: String) throws -> IntegerLiteral? { try JSON5Parser.parse(text).integer }

    @Test func integerLiteralsAreExactInAllOfInt() throws {
        #expect(try integer("9007199254740993") == .exact(9_007_199_254_740_993))  // 2^53 + 1: no Double holds it
        #expect(try integer("9223372036854775807") == .exact(Int.max))
        #expect(try integer("-9223372036854775808") == .exact(Int.min))
        #expect(try integer("0x7fffffffffffffff") == .exact(Int.max))
        #expect(try integer("-0x10") == .exact(-16))
        #expect(try integer("+5") == .exact(5))
        #expect(try integer("-0") == .exact(0))
    }

    @Test func literalsBeyondIntKeepTheirText() throws {
        #expect(try integer("9223372036854775808") == .outOfRange("9223372036854775808"))
        #expect(try integer("-9223372036854775809") == .outOfRange("-9223372036854775809"))
        #expect(try integer("0x10000000000000000") == .outOfRange("0x10000000000000000"))
    }

    @Test func wholeNumbersWithFractionOrExponentAreExactToo() throws {
        #expect(try integer("1e18") == .exact(1_000_000_000_000_000_000))
        #expect(try integer("9007199254740993.0") == .exact(9_007_199_254_740_993))  // the Double would be …992
        #expect(try integer("1.5e1") == .exact(15))
        #expect(try integer("1500e-2") == .exact(15))
        #expect(try integer("0.0e5") == .exact(0))
        #expect(try integer("1e300") == .outOfRange("1e300"))
        // Beyond Double's range the literal is refused by the parser itself (no Infinity by overflow).
        #expect(throws: JSON5SyntaxError.self) { try integer("-1e99999999999999999999") }
        for text in ["1.5", ".5", "1e-99999999999999999999", "Infinity", "NaN", "-Infinity", "5e-324", "1.0000000000000000001"] {
            #expect(try integer(text) == nil, "\(text)")
        }
        #expect(try JSON5Parser.parse("[1, 2]").value == [1, 2])  // equality ignores the literal
    }

    @Test(arguments: [
        ("9007199254740993", nil as String?),
        ("9223372036854775808", "must be an integer in [-2^63, 2^63), got 9223372036854775808"),
        ("1e300", "must be an integer in [-2^63, 2^63), got 1e300"),
        ("1e17", nil),
        ("1e15", nil),
        ("-0", nil),
        ("1.5", "expected an integer, got 1.5"),
        ("Infinity", "expected an integer, got Infinity"),
        ("NaN", "expected an integer, got NaN"),
        ("5e-324", "expected an integer, got 5e-324"),
        ("\"3\"", "expected an integer, got \"3\""),
    ])
    func readerWordsRangeAndTypeApart(text: String, message: String?) throws {
        let node = try JSON5Parser.parse(text)
        do {
            _ = try ObjectReader.int(node, path: "k")
            #expect(message == nil)
        } catch {
            #expect(error.message == message)
        }
    }
}
