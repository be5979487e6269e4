// Reading a user's CSV (header row, numeric features, one target column) into labelled rows, with located errors.

import Foundation

/// Why a dataset could not be loaded. Rendered as `file:line: column 'name': message` with the parts
/// that are known.
public struct DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var column: String?
    public var message: String

    public init(file: String? = nil, line: Int? = nil, column: String? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var s = ""
        if let file { s += file + (line.map { ":\($0)" } ?? "") + ": " }
        if let column { s += "column '\(column)': " }
        return s + message
    }
}

/// Whether the target is a class label or a number to regress; nil in `CSVData.parse` decides by content.
public enum TaskHint: String, Sendable, Equatable, CaseIterable {
    case classification, regression
}

public enum CSVData {
    /// Reads the file at `path` (see `parse`).
    public static func load(path: String, target: String, task: TaskHint?, name: String? = nil)
        throws(DatasetError) -> LabeledData
    {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw DatasetError(file: path, "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(text, file: path, target: target, task: task, name: name)
    }

    /// Parses CSV text with a header row. Every column but `target` is a numeric feature. The target is
    /// categorical (→ classification, classes sorted: numerically if all are numbers, else by text)
    /// when any value is not a number, numeric (→ regression) otherwise, unless `task` says.
    /// Fields may be quoted ("a,b", "" for a quote); blank lines are skipped.
    public static func parse(_ text: String, file: String, target: String, task: TaskHint?, name: String? = nil)
        throws(DatasetError) -> LabeledData
    {
        var rows: [(line: Int, fields: [String])] = []
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so split on any newline Character rather than on "\n".
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            rows.append((lineNumber, splitFields(line)))
        }
        guard let header = rows.first else { throw DatasetError(file: file, "the file is empty") }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let targetIndex = names.firstIndex(of: target) else {
            var message = "no column '\(target)' in the header (columns: \(names.joined(separator: ", ")))"
            if let near = closest(target, names) { message += "; did you mean '\(near)'?" }
            throw DatasetError(file: file, line: header.line, message)
        }
        guard names.count >= 2 else {
            throw DatasetError(file: file, line: header.line, "needs at least one feature column besides '\(target)'")
        }
        let body = rows.dropFirst()
        guard !body.isEmpty else { throw DatasetError(file: file, "no data rows after the header") }
        var x: [Double] = []
        var labels: [String] = []
        x.reserveCapacity(body.count * (names.count - 1))
        for row in body {
            guard row.fields.count == names.count else {
                throw DatasetError(file: file, line: row.line,
                                   "expected \(names.count) fields as in the header, got \(row.fields.count)")
            }
            for (j, field) in row.fields.enumerated() {
                let value = field.trimmingCharacters(in: .whitespaces)
                if j == targetIndex { labels.append(value); continue }
                guard let v = Double(value), v.isFinite else {
                    let shown = value.isEmpty ? "an empty field" : "'\(value)'"
                    throw DatasetError(file: file, line: row.line, column: names[j],
                                       "expected a number, got \(shown)")
                }
                x.append(v)
            }
        }
        let numeric = labels.map { Double($0) }
        let isNumeric = numeric.allSatisfy { $0 != nil && $0?.isFinite == true }
        let kind = task ?? (isNumeric ? .regression : .classification)
        var features = names
        features.remove(at: targetIndex)
        let dataName = name ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        switch kind {
        case .regression:
            guard isNumeric else {
                let i = numeric.firstIndex { $0 == nil || $0?.isFinite == false } ?? 0
                let shown = labels[i].isEmpty ? "an empty field" : "'\(labels[i])'"
                throw DatasetError(file: file, line: body[body.startIndex + i].line, column: target,
                                   "regression needs a numeric target, got \(shown)")
            }
            return LabeledData(name: dataName, featureNames: features, task: .regression(outputs: 1),
                               x: x, y: numeric.map { $0 ?? 0 })
        case .classification:
            var classes = Array(Set(labels))
            if isNumeric {
                classes.sort { (Double($0) ?? 0, $0) < (Double($1) ?? 0, $1) }
            } else {
                classes.sort()
            }
            guard classes.count >= 2 else {
                throw DatasetError(file: file, column: target,
                                   "classification needs at least 2 classes, found \(classes.count)")
            }
            let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, Double($0)) })
            return LabeledData(name: dataName, featureNames: features, task: .classification(classes: classes),
                               x: x, y: labels.map { index[$0] ?? 0 })
        }
    }

    /// Splits one CSV line into fields (RFC 4180 quoting within the line).
    static func splitFields(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var chars = line.makeIterator()
        var pendingQuote = false
        while let c = chars.next() {
            if quoted {
                if pendingQuote {
                    pendingQuote = false
                    if c == "\"" { current.append("\""); continue }
                    quoted = false
                } else if c == "\"" {
                    pendingQuote = true
                    continue
                } else {
                    current.append(c)
                    continue
                }
            }
            if c == "," {
                fields.append(current)
                current = ""
            } else if c == "\"" && current.isEmpty {
                quoted = true
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }

    static func closest(_ word: String, _ candidates: [String]) -> String? {
        let lower = word.lowercased()
        return candidates.first { $0.lowercased() == lower }
            ?? candidates.first { $0.lowercased().contains(lower) || lower.contains($0.lowercased()) }
    }
}
