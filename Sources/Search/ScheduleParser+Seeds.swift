// Readers for the seeds' TensorFlow/Keras forms: exponential's decay_rate and final_lr, inverse_time,
// step's drop/epochs_drop, piecewise and table (inline or a step,lr CSV file).

import Foundation
import JSON5
import LRSchedules

extension ScheduleParser {
    /// `gamma` (ExponentialLR), `decay_rate`/`decay_steps`/`staircase` (TensorFlow ExponentialDecay) or
    /// `final_lr`/`total_steps` (γ from the run length); one form per object.
    static func readExponential(_ f: inout Fields) throws(ConfigError) -> ScheduleSpec {
        let rate = ["decay_rate", "decay_steps", "staircase"].filter(f.reader.has)
        let final = ["final_lr", "total_steps"].filter(f.reader.has)
        if let first = rate.first {
            try refuse(["gamma"] + final, with: first, in: &f, why: "decay_rate form (TensorFlow ExponentialDecay)")
            return .exponentialRate(lr: try f.lr(), decayRate: try f.double("decay_rate"),
                                    decaySteps: try f.int("decay_steps"), staircase: try f.bool("staircase", false))
        }
        if let first = final.first {
            try refuse(["gamma"], with: first, in: &f, why: "final_lr form (gamma derived from the run length)")
            return .exponentialToFinal(lr: try f.lr(), finalLR: try f.double("final_lr"),
                                       totalSteps: try f.length("total_steps"))
        }
        return .exponential(lr: try f.lr(), gamma: try f.double("gamma"))
    }

    /// `decay_rate`/`decay_steps`/`staircase` (TensorFlow InverseTimeDecay; decay_steps defaults to 1),
    /// or Keras' classic `decay` (= decay_rate with decay_steps 1).
    static func readInverseTime(_ f: inout Fields) throws(ConfigError) -> ScheduleSpec {
        if f.reader.has("decay") {
            try refuse(["decay_rate", "decay_steps", "staircase"], with: "decay", in: &f,
                       why: "Keras form lr / (1 + decay·t)")
            return .inverseTime(lr: try f.lr(), decayRate: try f.double("decay"), decaySteps: 1, staircase: false)
        }
        return .inverseTime(lr: try f.lr(), decayRate: try f.double("decay_rate"), decaySteps: try f.int("decay_steps", 1),
                            staircase: try f.bool("staircase", false))
    }

    /// The Keras form of `step`, when the object has `drop` or `epochs_drop`; nil otherwise.
    static func readStepDrop(_ f: inout Fields) throws(ConfigError) -> ScheduleSpec? {
        guard let first = ["drop", "epochs_drop"].first(where: f.reader.has) else { return nil }
        try refuse(["step_size", "gamma", "final_lr", "updates", "total_steps"], with: first, in: &f,
                   why: "Keras form lr·drop^⌊(1+k)/epochs_drop⌋")
        return .stepDrop(lr: try f.lr(), drop: try f.double("drop"), epochsDrop: try f.int("epochs_drop"))
    }

    /// Throws at the first of `keys` present: it cannot be combined with `key`.
    private static func refuse(_ keys: [String], with key: String, in f: inout Fields, why: String) throws(ConfigError) {
        for other in keys where f.reader.has(other) {
            throw ConfigError(f.reader.node(other), path: f.reader.path(other),
                              "cannot be combined with \(key): the object uses the \(why)")
        }
    }

    /// `lrs: [...]` inline, or `csv: "file.csv"` (a `step,lr` table, relative to the defaults' folder).
    static func readTable(_ f: inout Fields) throws(ConfigError) -> ScheduleSpec {
        if f.reader.has("lrs"), f.reader.has("csv") {
            throw ConfigError(f.reader.node("csv"), path: f.reader.path("csv"),
                              "cannot be combined with lrs: give the LRs inline (lrs) or as a step,lr file (csv)")
        }
        if let node = f.reader.node("csv") {
            guard case .string(let name) = node.value, !name.isEmpty else {
                throw ConfigError(node, path: f.reader.path("csv"),
                                  "expected the path of a step,lr CSV file, got \(ObjectReader.describe(node.value))")
            }
            let path = resolve(name, in: f.defaults.baseDirectory)
            do {
                return .table(lrs: try TableCSV.read(path), csv: path)
            } catch {
                throw ConfigError(node, path: f.reader.path("csv"), error.description)
            }
        }
        guard f.reader.has("lrs") else {
            throw ConfigError(path: f.reader.path("lrs"), location: f.reader.node.location,
                              message: "is required but missing: give lrs: [0.1, 0.05, …] or csv: \"file.csv\"")
        }
        return .table(lrs: try f.doubles("lrs"), csv: nil)
    }

    /// `name` as is when absolute (or no folder is known), else under `directory`.
    static func resolve(_ name: String, in directory: String?) -> String {
        guard !name.hasPrefix("/"), let directory, !directory.isEmpty else { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

extension Fields {
    mutating func doubles(_ key: String) throws(ConfigError) -> [Double] {
        if let list = try reader.doubles(key) { return list }
        _ = try reader.required(key)
        return []  // unreachable
    }
}

/// A problem in a `step,lr` table file, rendered `file:line:column: message`.
struct TableCSVError: Error, CustomStringConvertible {
    var file: String
    var line: Int?
    var column: Int?
    var message: String

    var description: String {
        var place = file
        if let line { place += ":\(line)" + (column.map { ":\($0)" } ?? "") }
        return "\(place): \(message)"
    }
}

/// Reads the `step,lr` CSV that `lrsearch schedule` writes: a `step,lr` header, then row k is
/// `k,<lr>` for k = 0, 1, 2, … (no gaps), each LR a finite number ≥ 0. Blank lines at the end, `\r\n`
/// line ends, a UTF-8 byte-order mark and spaces around fields are accepted.
enum TableCSV {
    /// The largest file read (a million rows of 17-digit LRs fit in 32 MB).
    static let maxBytes = 64 << 20

    static func read(_ path: String) throws(TableCSVError) -> [Double] {
        // attributesOfItem does not follow symbolic links; the file they point to is what is read.
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let attributes = try? FileManager.default.attributesOfItem(atPath: target)
        guard let attributes else { throw TableCSVError(file: path, message: "no such file") }
        // A FIFO or device could block or never end; only a regular file is read.
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw TableCSVError(file: path, message: "not a regular file")
        }
        if let size = attributes[.size] as? NSNumber, size.intValue > maxBytes {
            throw TableCSVError(file: path, message: "the file has \(size.intValue) bytes; a table may have at most \(maxBytes)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TableCSVError(file: path, message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TableCSVError(file: path, message: "the file is not UTF-8 text")
        }
        return try parse(text, file: path)
    }

    static func parse(_ text: String, file: String) throws(TableCSVError) -> [Double] {
        // "\r\n" is one Character in Swift, so it is a separator of its own.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        while let last = lines.last, last.allSatisfy({ $0 == " " || $0 == "\t" }), lines.count > 1 { lines.removeLast() }
        func fail(_ line: Int, _ column: Int?, _ message: String) -> TableCSVError {
            TableCSVError(file: file, line: line, column: column, message: message)
        }
        var header = lines.first ?? ""
        if header.hasPrefix("\u{FEFF}") { header = header.dropFirst() }
        let names = header.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard names == ["step", "lr"] else {
            throw fail(1, 1, "expected the header 'step,lr', got '\(String(header.prefix(40)))'")
        }
        guard lines.count >= 2 else { throw fail(1, nil, "the table has no rows after its header") }
        guard lines.count - 1 <= TableSchedule.maxRows else {
            throw fail(TableSchedule.maxRows + 2, nil, "a table may have at most \(TableSchedule.maxRows) rows")
        }
        var lrs: [Double] = []
        lrs.reserveCapacity(lines.count - 1)
        for (i, line) in lines.dropFirst().enumerated() {
            let number = i + 2
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 2 else {
                throw fail(number, 1, "expected 2 fields (step,lr), got \(fields.count)")
            }
            let stepText = fields[0].trimmingCharacters(in: .whitespaces)
            guard let step = Int(stepText), step == i else {
                throw fail(number, 1, "expected step \(i) (rows count 0, 1, 2, … without gaps), got '\(stepText.prefix(24))'")
            }
            let lrColumn = fields[0].count + 2
            let lrText = fields[1].trimmingCharacters(in: .whitespaces)
            // Only a decimal number: Double(_:) would also take hex, "inf", and stop at a NUL byte.
            guard lrText.unicodeScalars.allSatisfy({ "0123456789.eE+-".unicodeScalars.contains($0) }),
                  let lr = Double(lrText), lr.isFinite else {
                throw fail(number, lrColumn, "expected a finite number for lr, got '\(lrText.prefix(24))'")
            }
            guard lr >= 0 else { throw fail(number, lrColumn, "lr must be >= 0, got \(lrText)") }
            lrs.append(lr)
        }
        return lrs
    }
}
