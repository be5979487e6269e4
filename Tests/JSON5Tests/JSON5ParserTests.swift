// The JSON5 reader: the syntax JSON5 adds, locations of values, and the exact text of syntax errors.

import JSON5
import Testing

@Suite struct JSON5ParserTests {
    func parse(_ text: String) throws -> JSONValue { try JSON5Parser.parse(text).value }

    func syntaxError(_ text: String) -> JSON5SyntaxError? {
        do {
            _ = try JSON5Parser.parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func readsPlainJSON() throws {
        let v = try parse(#"{"a": [1, 2.5, -3e2], "b": {"c": null, "d": true, "e": "x\ny"}}"#)
        #expect(v == ["a": [1, 2.5, -300], "b": ["c": nil, "d": true, "e": "x\ny"]])
    }

    @Test func readsJSON5Extensions() throws {
        let text = """
            // a comment
            {
              unquoted: 'single', /* block
              comment */ trailing: [1, 2,],
              hex: 0x1F, lead: .5, trail: 5., plus: +3, inf: -Infinity,
              "esc": 'it\\'s \\x41\\u00e9',
            }
            """
        let v = try parse(text)
        #expect(v == ["unquoted": "single", "trailing": [1, 2], "hex": 31, "lead": 0.5, "trail": 5, "plus": 3,
                      "inf": .number(-.infinity), "esc": "it's Aé"])
    }

    @Test func readsNaN() throws {
        guard case .number(let x) = try parse("NaN") else { Issue.record("not a number"); return }
        #expect(x.isNaN)
    }

    @Test func recordsLineAndColumnOfEveryValue() throws {
        let node = try JSON5Parser.parse("{\n  a: 1,\n  bb: [true,\n   'x'],\n}")
        guard case .object(let members) = node.value else { Issue.record("not an object"); return }
        #expect(node.location == SourceLocation(line: 1, column: 1))
        #expect(members[0].keyLocation == SourceLocation(line: 2, column: 3))
        #expect(members[0].value.location == SourceLocation(line: 2, column: 6))
        #expect(members[1].value.location == SourceLocation(line: 3, column: 7))
        guard case .array(let elements) = members[1].value.value else { Issue.record("not an array"); return }
        #expect(elements[1].location == SourceLocation(line: 4, column: 4))
    }

    @Test(arguments: [
        ("{a: 1", "1:6: unterminated object: the '{' at 1:1 is never closed"),
        ("{a: 1 b: 2}", "1:7: expected ',' or '}' in the object, found 'b'"),
        ("[1, 2", "1:6: unterminated array: the '[' at 1:1 is never closed"),
        ("{a: cosine}", "1:5: expected a value, found 'cosine' (strings need quotes)"),
        ("{a: 1, a: 2}", "1:8: duplicate key 'a'"),
        ("'abc", "1:5: unterminated string starting at 1:1"),
        ("{a: 01}", "1:5: numbers cannot have leading zeros"),
        ("1 2", "1:3: expected the end of the text after the value, found '2'"),
        ("", "1:1: expected a value, found the end of the text"),
        ("/* open", "1:8: unterminated comment: the '/*' at 1:1 is never closed"),
        ("{\n  a: 1e,\n}", "2:6: expected digits in the exponent"),
        ("[1,,2]", "1:4: expected a value, found ','"),
    ])
    func syntaxErrorsSayWhereAndWhat(text: String, message: String) {
        #expect(syntaxError(text)?.description == message)
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let text = String(repeating: "[", count: 10_000)
        #expect(syntaxError(text)?.description == "1:129: nesting deeper than 128 levels")
    }
}

@Suite struct JSONWriterTests {
    @Test func numbersRoundTripShortest() throws {
        for x in [0.1, 1e-5, 123456789.125, -2.5e-300, 3, 1e20, 0.999309463003] {
            let text = JSONWriter.number(x)
            guard case .number(let y) = try JSON5Parser.parse(text).value else { Issue.record("\(text)"); continue }
            #expect(y == x, "\(text)")
        }
        #expect(JSONWriter.number(3) == "3")  // integral values have no fraction
        #expect(JSONWriter.number(0.1) == "0.1")  // shortest round-trip text
        #expect(JSONWriter.number(.nan) == "NaN")
    }

    @Test func compactAndPrettyRoundTrip() throws {
        let v: JSONValue = ["name": "a \"q\"\n", "list": [1, 2, ["x": false]], "empty": [:], "none": nil]
        #expect(JSONWriter.compact(v) == #"{"name":"a \"q\"\n","list":[1,2,{"x":false}],"empty":{},"none":null}"#)
        #expect(try JSON5Parser.parse(JSONWriter.compact(v)).value == v)
        #expect(try JSON5Parser.parse(JSONWriter.pretty(v)).value == v)
        #expect(JSONWriter.pretty(["h": [128, 128]]) == "{\n  \"h\": [128, 128]\n}")
    }
}

@Suite struct ObjectReaderTests {
    func reader(_ text: String) throws -> ObjectReader {
        try ObjectReader(JSON5Parser.parse(text), path: "task")
    }

    @Test func typedAccessorsNameThePathAndPlace() throws {
        var r = try reader("{\n  epochs: 2.5,\n  name: 3,\n}")
        #expect(throws: ConfigError(path: "task.epochs", location: SourceLocation(line: 2, column: 11),
                                    message: "expected an integer, got 2.5")) { try r.int("epochs") }
        #expect(throws: ConfigError(path: "task.name", location: SourceLocation(line: 3, column: 9),
                                    message: "expected a string, got 3")) { try r.string("name") }
    }

    enum Unit: String, CaseIterable { case epoch, step }

    @Test func choicesListTheValidValuesAndSuggest() throws {
        var r = try reader("{unit: 'epoc'}")
        let error = ConfigError(path: "task.unit", location: SourceLocation(line: 1, column: 8),
                                message: "expected one of epoch, step, got \"epoc\" (did you mean 'epoch'?)")
        #expect(throws: error) { try r.choice("unit", as: Unit.self) }
    }

    @Test func unknownKeysSuggestTheClosest() throws {
        var r = try reader("{epochs: 3,\n batchsize: 4}")
        _ = try r.int("epochs")
        let error = ConfigError(path: "task", location: SourceLocation(line: 2, column: 2),
                                message: "unknown key 'batchsize' (did you mean 'batch_size'?)")
        #expect(throws: error) { try r.finish(allowed: ["epochs", "batch_size"]) }
        #expect(error.rendered(file: "a.json5") == "a.json5:2:2: task: unknown key 'batchsize' (did you mean 'batch_size'?)")
    }

    @Test func editDistanceMatchesHandCounts() {
        #expect(editDistance(Array("kitten"), Array("sitting")) == 3)  // k→s, e→i, +g
        #expect(editDistance(Array(""), Array("abc")) == 3)
        #expect(editDistance(Array("hepl"), Array("help")) == 1)  // one swap of neighbours
        #expect(closestMatch(to: "cosin", in: ["cosine", "cyclic"]) == "cosine")
        #expect(closestMatch(to: "zzzz", in: ["cosine", "cyclic"]) == nil)
    }
}
