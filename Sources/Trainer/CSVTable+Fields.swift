// The header row and single fields of a CSV line: RFC 4180 unquoting, UTF-8 and duplicate-name checks.

extension CSVTable {
    // MARK: - Header

    /// Reads the header line `bytes` (line `number`): the first file's names, or a later file's, which must
    /// equal the first's.
    mutating func header(_ bytes: [UInt8], line number: Int) throws(DatasetError) {
        line = number
        skipThrough = number
        headerLines.append(number)
        var cells: [String] = []
        try bytes.withUnsafeBufferPointer { (b) throws(DatasetError) in
            guard let p = b.baseAddress else { return }
            var i = 0
            while true {
                let (start, count, next) = try field(p, i, end: b.count, index: cells.count)
                let text = UnsafeBufferPointer(start: start, count: count)
                if let bad = Self.controlCharacter(text) {
                    throw DatasetError(file: file, line: line, field: cells.count + 1,
                                       "field \(cells.count + 1) of the header contains the control character \(bad)")
                }
                guard let name = String(validating: text, as: UTF8.self) else {
                    throw DatasetError(file: file, line: line, field: cells.count + 1,
                                       "the header is not valid UTF-8 text (\(Self.shown(start, count)))")
                }
                cells.append(name)
                if next >= b.count { break }
                i = next + 1
            }
        }
        if files.count > 1 {
            for (k, name) in cells.enumerated() where k >= names.count || name != names[k] {
                throw DatasetError(file: file, line: line, field: k + 1,
                                   "the header must equal the training file's (\(files[0])): expected "
                                   + (k < names.count ? "'\(names[k])'" : "\(names.count) columns") + ", got '\(name)'")
            }
            guard cells.count == names.count else {
                throw DatasetError(file: file, line: line, "the header must equal the training file's (\(files[0])): "
                                   + "expected \(names.count) columns, got \(cells.count)")
            }
            return
        }
        var seen: [String: Int] = [:]
        for (k, name) in cells.enumerated() {
            if let first = seen[name] {
                throw DatasetError(file: file, line: line, field: k + 1, column: name,
                                   "appears twice in the header (first as field \(first + 1))")
            }
            seen[name] = k
        }
        guard let t = cells.firstIndex(of: target) else {
            // Names are shown cut to 40 characters, at most 20 of them: a header may be huge.
            func cut(_ s: String) -> String { s.count > 40 ? s.prefix(40) + "… (\(s.count) characters)" : s }
            let shown = cells.prefix(20).map(cut).joined(separator: ", ") + (cells.count > 20 ? ", … (\(cells.count) columns)" : "")
            var message = "no column '\(cut(target))' in the header (columns: \(shown))"
            if let near = CSVData.closest(target, cells) { message += "; did you mean '\(cut(near))'?" }
            throw DatasetError(file: file, line: line, field: 1, message)
        }
        guard cells.count >= 2 else {
            throw DatasetError(file: file, line: line, field: 1, "needs at least one feature column besides '\(target)'")
        }
        names = cells
        targetIndex = t
    }

    /// One field starting at `i` (leading blanks skipped): its bytes (unquoted, trimmed) and the index of its
    /// terminator (',' or `end`/newline). A quoted field's bytes live in `quoted` until the next call.
    mutating func field(_ p: UnsafePointer<UInt8>, _ i: Int, end: Int, index: Int) throws(DatasetError)
        -> (UnsafePointer<UInt8>, Int, Int)
    {
        var a = i
        while a < end && (p[a] == 0x20 || p[a] == 0x09) { a += 1 }
        if a < end && p[a] == 0x22 { return try unquote(p, a, end: end, index: index) }
        var e = a
        while e < end && p[e] != 0x2C && p[e] != 0x0A { e += 1 }
        var b = e
        while b > a && Self.isBlank(p[b - 1]) { b -= 1 }
        return (p + a, b - a, e)
    }

    /// RFC 4180: `"…"` with `""` for a quote; blanks around the quotes are ignored. The field may not span lines.
    mutating func unquote(_ p: UnsafePointer<UInt8>, _ open: Int, end: Int, index: Int) throws(DatasetError)
        -> (UnsafePointer<UInt8>, Int, Int)
    {
        var n = 0, j = open + 1
        func put(_ b: UInt8) {
            if n == quotedCapacity {
                let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: quotedCapacity * 2)
                bigger.update(from: quoted, count: n)
                quoted.deallocate()
                quoted = bigger
                quotedCapacity *= 2
            }
            quoted[n] = b
            n += 1
        }
        while true {
            guard j < end && p[j] != 0x0A else {
                throw error(index, "the quoted field is not closed on this line (a field may not span lines)")
            }
            if p[j] == 0x22 {
                if j + 1 < end && p[j + 1] == 0x22 { put(0x22); j += 2; continue }
                j += 1
                break
            }
            put(p[j])
            j += 1
        }
        while j < end && Self.isBlank(p[j]) { j += 1 }
        guard j >= end || p[j] == 0x2C || p[j] == 0x0A else {
            var k = j
            while k < end && p[k] != 0x2C && p[k] != 0x0A { k += 1 }
            throw error(index, "unexpected text after the closing quote: \(Self.shown(p + j, k - j))")
        }
        var a = 0, b = n
        while a < b && Self.isBlank(quoted[a]) { a += 1 }
        while b > a && Self.isBlank(quoted[b - 1]) { b -= 1 }
        return (UnsafePointer(quoted + a), b - a, j)
    }
}
