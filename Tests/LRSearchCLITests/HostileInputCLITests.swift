// Regression tests for defects the fuzz tests found, through the built binary: bytes that are not
// UTF-8 in a spec, config or schedule file, nesting past the limit and numbers out of range.

import Foundation
import Testing
import TestSupport

@Suite struct HostileInputCLITests {
    /// Runs `lrsearch args…` in a fresh folder holding `files`.
    func run(_ args: [String], files: [String: [UInt8]]) throws -> (code: Int32?, stderr: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lrsearch-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, bytes) in files { try Data(bytes).write(to: folder.appendingPathComponent(name)) }
        let out = try runLRSearchBounded(args, in: folder, timeout: 20)
        guard case .exited(let code) = out.ending else { return (nil, "\(out.ending)") }
        return (code, String(decoding: out.stderr, as: UTF8.self))
    }

    /// `{\n  name: "x<FF>y",\n}\n`: the 0xFF is byte 12, line 2, column 11.
    static let notUTF8: [UInt8] = Array("{\n  name: \"x".utf8) + [0xFF] + Array("y\",\n}\n".utf8)
    static let notUTF8Message = "bad.json5:2:11: the text is not UTF-8: byte 0xFF at byte offset 12 is not a UTF-8 "
        + "character (save the file as UTF-8)"

    @Test func specNotUTF8IsLocated() throws {
        // Was: "bad.json5: the spec is not UTF-8 text", no line or column.
        let r = try run(["validate", "bad.json5"], files: ["bad.json5": Self.notUTF8])
        #expect(r.code == 64)
        #expect(r.stderr == "Error: \(Self.notUTF8Message)\n")
    }

    @Test func trainConfigNotUTF8IsAUsageErrorWithAPlace() throws {
        // Was: exit 1, "cannot read 'bad.json5': The operation could not be completed. The file isn’t in
        // the correct format."
        let r = try run(["train", "bad.json5"], files: ["bad.json5": Self.notUTF8])
        #expect(r.code == 64)
        #expect(r.stderr.hasPrefix("Error: \(Self.notUTF8Message)\nUsage: lrsearch train"))
    }

    @Test func scheduleFileNotUTF8IsLocated() throws {
        // Was: "cannot read schedule file 'bad.json5' as UTF-8 text".
        let r = try run(["schedule", "@bad.json5", "--steps", "3"], files: ["bad.json5": Self.notUTF8])
        #expect(r.code == 64)
        #expect(r.stderr.hasPrefix("Error: \(Self.notUTF8Message)\nUsage: lrsearch schedule"))
    }

    @Test func deepNestingIsLocatedAtTheLimit() throws {
        // 10,000 nested arrays as a family: the 129th '[' stands at column 10 + 128.
        let text = "{ family: " + String(repeating: "[", count: 10_000)
        let r = try run(["schedule", "@deep.json5", "--steps", "3"], files: ["deep.json5": Array(text.utf8)])
        #expect(r.code == 64)
        #expect(r.stderr.hasPrefix("Error: deep.json5:1:138: nesting deeper than 128 levels\n"))
    }

    @Test func overflowingNumberIsLocated() throws {
        // Was: read as Infinity and reported as a range error of `lr`, or accepted where Infinity is.
        let r = try run(["schedule", #"{ family: "cosine", lr: 1e400 }"#, "--steps", "3"], files: [:])
        #expect(r.code == 64)
        #expect(r.stderr.hasPrefix("Error: SCHEDULE:1:25: the number '1e400' is out of range: the largest finite "
                                   + "number is 1.7976931348623157e308\n"))
    }

    @Test func controlCharactersInSpecsAreEscapedInErrors() throws {
        // Was: the ESC byte printed raw, so a spec could drive the terminal.
        let r = try run(["validate", "esc.json5"], files: ["esc.json5": Array("{ na\u{1B}[2Jme: 1 }".utf8)])
        #expect(r.code == 64)
        #expect(r.stderr == "Error: esc.json5:1:5: expected ':' after the key 'na', found '\\u{1B}'\n")
    }
}
