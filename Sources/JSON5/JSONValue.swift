// A JSON value tree in which every node remembers where it stood in its source text.

/// A 1-based line and column in a source text (columns count Unicode scalars).
public struct SourceLocation: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public var description: String { "\(line):\(column)" }
}

/// One JSON value and, when it was parsed from text, its location there.
///
/// Values built in code (sampled configurations, say) have `location == nil`; errors about them
/// fall back to the field path.
public struct JSONNode: Sendable, Equatable {
    public var value: JSONValue
    public var location: SourceLocation?
    /// For a number whose literal denotes an integer (`12`, `0x1F`, `1e18`, `3.0`): its exact value,
    /// which `value`'s Double rounds beyond 2^53. Nil for other numbers and for built values.
    public var integer: IntegerLiteral?

    public init(_ value: JSONValue, at location: SourceLocation? = nil, integer: IntegerLiteral? = nil) {
        self.value = value
        self.location = location
        self.integer = integer
    }

    /// Equality of values: where a value was written does not change what it is.
    public static func == (a: JSONNode, b: JSONNode) -> Bool { a.value == b.value }
}

/// The exact value of an integer literal, or its text when it lies outside Int's range.
public enum IntegerLiteral: Sendable, Hashable {
    case exact(Int)
    case outOfRange(String)
}

/// One member of a JSON object, in source order.
public struct JSONMember: Sendable, Equatable {
    public var key: String
    public var keyLocation: SourceLocation?
    public var value: JSONNode

    public init(key: String, keyLocation: SourceLocation? = nil, value: JSONNode) {
        self.key = key
        self.keyLocation = keyLocation
        self.value = value
    }

    /// Equality of key and value, ignoring locations.
    public static func == (a: JSONMember, b: JSONMember) -> Bool { a.key == b.key && a.value == b.value }
}

/// A JSON (or JSON5) value. Numbers are `Double`; objects keep their members in source order.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONNode])
    case object([JSONMember])

    /// A short name of the value's kind, for error messages ("a number", "an object", …).
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// The value as compact JSON text (for error messages and round trips).
    public var jsonText: String { JSONWriter.compact(self) }
}

extension JSONValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements.map { JSONNode($0) }) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(elements.map { JSONMember(key: $0.0, value: JSONNode($0.1)) })
    }
}

extension JSONValue {
    /// The member named `key` of an object, or nil.
    public subscript(key: String) -> JSONNode? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }
}
