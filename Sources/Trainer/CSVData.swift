// Reading a user's CSV (header row, numeric features, one target column) into labelled rows, with located errors.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a dataset could not be loaded. Rendered as `file:line:field: column 'name': message` with the parts
/// that are known (`field` is the 1-based field number in the row).
public struct DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var field: Int?
    public var column: String?
    public var message: String

    public init(file: String? = nil, line: Int? = nil, field: Int? = nil, column: String? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.column = column
        self.message = message
    }

    public var description: String {
        var s = ""
        if let file { s += file + (line.map { ":\($0)" } ?? "") + (line != nil ? field.map { ":\($0)" } ?? "" : "") + ": " }
        if let column { s += "column '\(column)': " }
        return s + message
    }
}

/// Whether the target is a class label or a number to regress; nil in `CSVData.parse` decides by content.
public enum TaskHint: String, Sendable, Equatable, CaseIterable {
    case classification, regression
}

/// What to do with a row that has a missing cell (empty, `NA`, `NaN`, `null`, …): refuse the file, naming
/// the first few such cells, or drop the row.
public enum MissingPolicy: String, Sendable, Equatable, CaseIterable {
    case error, drop
}

/// Bytes read in chunks, twice: a file, or text in memory.
protocol ByteSource: AnyObject {
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileError) -> Int
    func rewind() throws(FileError)
}

extension FileReader: ByteSource {}

final class MemorySource: ByteSource {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileError) -> Int {
        let n = min(buffer.count, bytes.count - offset)
        bytes.withUnsafeBytes { src in
            if n > 0 { buffer.baseAddress?.copyMemory(from: src.baseAddress! + offset, byteCount: n) }
        }
        offset += n
        return n
    }
    func rewind() throws(FileError) { offset = 0 }
}

public enum CSVData {
    /// Reads the file at `path` (see `parse`), and `validationPath` as a given validation set if set.
    /// Data whose Float32 matrix would exceed `memoryLimit` bytes (default: half the physical memory) is
    /// refused before anything is allocated.
    public static func load(path: String, target: String, task: TaskHint?, name: String? = nil,
                            missing: MissingPolicy = .error, validationPath: String? = nil,
                            memoryLimit: Int? = nil) throws(DatasetError) -> LabeledData
    {
        var sources: [(String, any ByteSource)] = []
        for file in [path] + (validationPath.map { [$0] } ?? []) {
            do {
                sources.append((file, try FileReader(path: file)))
            } catch {
                throw DatasetError(file: file, "cannot read the file: \(error.reason)")
            }
        }
        return try read(sources, target: target, task: task, name: name ?? baseName(path), missing: missing,
                        memoryLimit: memoryLimit ?? physicalMemory / 2)
    }

    /// Parses CSV text with a header row. Every column but `target` is a numeric feature (Float32, correctly
    /// rounded). Without `task`, the target is a classification when any value is not a number, or when
    /// every value is an integer and there are at most 2 distinct values, or at most 20 and at most 5% of
    /// the (training) rows; otherwise a regression. Classes are sorted numerically if all are numbers, else
    /// by text. Fields may be quoted ("a,b", "" for a quote) but not span lines; blank lines are skipped;
    /// a UTF-8 byte order mark, CRLF line ends and a missing final newline are accepted.
    public static func parse(_ text: String, file: String, target: String, task: TaskHint?, name: String? = nil,
                             missing: MissingPolicy = .error, validation: (file: String, text: String)? = nil,
                             memoryLimit: Int? = nil) throws(DatasetError) -> LabeledData
    {
        var sources: [(String, any ByteSource)] = [(file, MemorySource(Array(text.utf8)))]
        if let validation { sources.append((validation.file, MemorySource(Array(validation.text.utf8)))) }
        return try read(sources, target: target, task: task, name: name ?? baseName(file), missing: missing,
                        memoryLimit: memoryLimit ?? physicalMemory / 2)
    }

    /// The machine's physical memory in bytes (sysconf), or 8 GiB if unknown.
    public static var physicalMemory: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return 8 << 30 }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: size)
        return overflow ? Int.max : bytes
    }

    static func baseName(_ path: String) -> String {
        let last = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = last.lastIndex(of: "."), dot != last.startIndex else { return last }
        return String(last[..<dot])
    }

    static func read(_ sources: [(String, any ByteSource)], target: String, task: TaskHint?, name: String,
                     missing: MissingPolicy, memoryLimit: Int) throws(DatasetError) -> LabeledData
    {
        var scans: [Scan] = []
        for (file, source) in sources { scans.append(try scan(source, file: file)) }
        var table = CSVTable(target: target, missing: missing)
        defer { table.release() }
        table.files = [sources[0].0]
        try table.header(scans[0].header, line: scans[0].headerLine)
        let f = table.features
        let lines = scans.reduce(0) { $0 + max(0, $1.lines - $1.headerLine) }
        let (cells, o1) = lines.multipliedReportingOverflow(by: f)
        let (bytes, o2) = lines.multipliedReportingOverflow(by: 4 * f + 12)
        if o1 || o2 || bytes > memoryLimit {
            throw DatasetError(file: sources[0].0, "the data would need about \(gigabytes(o2 ? Int.max : bytes)) in memory "
                               + "(\(lines) rows × \(f) features as Float32), more than the limit of "
                               + "\(gigabytes(memoryLimit)) (half the physical memory); use a sample of the rows")
        }
        table.capacityRows = lines
        table.values.reserveCapacity(lines)
        table.labelIDs.reserveCapacity(lines)
        var trainRows = 0
        let x: [Float]
        do {
            x = try [Float](unsafeUninitializedCapacity: max(cells, 1)) { buffer, initialized in
                guard let base = buffer.baseAddress else { return }
                for (k, (file, source)) in sources.enumerated() {
                    if k > 0 {
                        table.files.append(file)
                        try table.header(scans[k].header, line: scans[k].headerLine)
                    }
                    table.line = 0
                    table.skipThrough = scans[k].headerLine
                    try body(source, file: file, table: &table, into: base)
                    if k == 0 { trainRows = table.rows }
                    initialized = table.rows * f
                }
            }
        } catch let error as DatasetError {
            throw error
        } catch {
            throw DatasetError(file: sources[0].0, "\(error)")
        }
        return try finish(&table, x: x, trainRows: trainRows, separateValidation: sources.count > 1,
                          task: task, name: name)
    }

    static func gigabytes(_ bytes: Int) -> String {
        let g = Double(bytes) / 1e9
        return g >= 100 ? "\(Int(g)) GB" : "\(Double(Int(g * 10)) / 10) GB"
    }

    // MARK: - Reading

    struct Scan {
        var lines = 0            // newlines, plus one for a last line without one
        var header: [UInt8] = [] // the first non-blank line, without its newline
        var headerLine = 0
    }

    static let chunkSize = 1 << 20

    /// First pass: counts the lines (to size the matrix once) and takes the header.
    static func scan(_ source: any ByteSource, file: String) throws(DatasetError) -> Scan {
        var result = Scan()
        var head: [UInt8] = [], headLines = 0, found = false, first = true
        var last: UInt8 = 0x0A
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            var n: Int
            do { n = try source.read(into: buffer) } catch { throw DatasetError(file: file, "cannot read the file: \(error.reason)") }
            if n == 0 { break }
            let p = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var start = 0
            if first, n >= 3, p[0] == 0xEF, p[1] == 0xBB, p[2] == 0xBF { start = 3 }
            first = false
            result.lines += countNewlines(p + start, n - start)
            last = p[n - 1]
            guard !found else { continue }
            head.append(contentsOf: UnsafeBufferPointer(start: p + start, count: n - start))
            var lineStart = 0
            while let nl = head[lineStart...].firstIndex(of: 0x0A) {
                headLines += 1
                if head[lineStart..<nl].contains(where: { !CSVTable.isBlank($0) }) {
                    (result.header, result.headerLine, found) = (Array(head[lineStart..<nl]), headLines, true)
                    break
                }
                lineStart = nl + 1
            }
            if !found {
                head.removeFirst(lineStart)
                if head.count > 16 << 20 { throw DatasetError(file: file, line: headLines + 1, "the header line is longer than 16 MB") }
            }
        }
        if last != 0x0A { result.lines += 1 }
        if !found {
            guard head.contains(where: { !CSVTable.isBlank($0) }) else { throw DatasetError(file: file, line: 1, field: 1, "the file is empty") }
            (result.header, result.headerLine) = (head, headLines + 1)
        }
        return result
    }

    /// Newlines in `p[0..<n]`, 8 bytes at a time: for x = word ^ 0x0A…0A, ~(((x & 0x7F…) + 0x7F…) | x | 0x7F…)
    /// has exactly the high bit of each zero byte of x set (no borrow crosses bytes), so its popcount is the count.
    static func countNewlines(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        let raw = UnsafeRawPointer(p)
        let newlines: UInt64 = 0x0A0A_0A0A_0A0A_0A0A, low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        var count = 0, i = 0
        while i + 8 <= n {
            let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ newlines
            count += (~(((x & low7) &+ low7) | x | low7)).nonzeroBitCount
            i += 8
        }
        while i < n { if p[i] == 0x0A { count += 1 }; i += 1 }
        return count
    }

    /// Second pass: parses the rows in chunks of complete lines, so memory is the matrix plus one chunk.
    static func body(_ source: any ByteSource, file: String, table: inout CSVTable,
                     into x: UnsafeMutablePointer<Float>) throws(DatasetError) {
        func fail(_ error: FileError) -> DatasetError { DatasetError(file: file, "cannot read the file: \(error.reason)") }
        do { try source.rewind() } catch { throw fail(error) }
        var capacity = chunkSize
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity + 1)  // + 1: a final newline
        defer { buffer.deallocate() }
        var filled = 0, first = true
        while true {
            var n: Int
            do { n = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer + filled, count: capacity - filled)) }
            catch { throw fail(error) }
            if first, n >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF {
                memmove(buffer, buffer + 3, n - 3)
                n -= 3
            }
            first = false
            filled += n
            if n == 0 {
                if filled > 0 {
                    buffer[filled] = 0x0A
                    try table.parse(buffer, filled + 1, into: x)
                }
                return
            }
            var last = filled - 1
            while last >= 0 && buffer[last] != 0x0A { last -= 1 }
            if last < 0 {
                if filled == capacity {  // one line longer than the buffer
                    guard capacity < 1 << 28 else {
                        throw DatasetError(file: file, line: table.line + 1, "the line is longer than 256 MB")
                    }
                    let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2 + 1)
                    bigger.update(from: buffer, count: filled)
                    buffer.deallocate()
                    buffer = bigger
                    capacity *= 2
                }
                continue
            }
            try table.parse(buffer, last + 1, into: x)
            filled -= last + 1
            memmove(buffer, buffer + last + 1, filled)
        }
    }

    static func closest(_ word: String, _ candidates: [String]) -> String? {
        let lower = word.lowercased()
        return candidates.first { $0.lowercased() == lower }
            ?? candidates.first { $0.lowercased().contains(lower) || lower.contains($0.lowercased()) }
    }
}
