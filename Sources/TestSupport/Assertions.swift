// Numeric assertions shared by the test targets: closeness with the tolerance stated at the call.

import Testing

/// Whether `actual` is within `relative` of `expected` (relative to |expected|, or absolute below 1e-300).
public func isClose(_ actual: Double, _ expected: Double, relative: Double) -> Bool {
    if actual == expected { return true }
    if actual.isNaN || expected.isNaN { return false }
    let scale = max(abs(expected), 1e-300)
    return abs(actual - expected) <= relative * scale
}

/// Records an issue unless `actual` is within `relative` (relative error) of `expected`.
public func expectClose(
    _ actual: Double, _ expected: Double, relative: Double, _ comment: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let ok = isClose(actual, expected, relative: relative)
    #expect(ok, "\(comment()) got \(actual), expected \(expected) (relative tolerance \(relative))",
            sourceLocation: sourceLocation)
}

/// Records an issue unless |actual − expected| ≤ `absolute`.
public func expectClose(
    _ actual: Double, _ expected: Double, absolute: Double, _ comment: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let ok = abs(actual - expected) <= absolute || actual == expected
    #expect(ok, "\(comment()) got \(actual), expected \(expected) (absolute tolerance \(absolute))",
            sourceLocation: sourceLocation)
}

/// Element-wise `expectClose` over two arrays of the same length.
public func expectAllClose(
    _ actual: [Double], _ expected: [Double], relative: Double, _ comment: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "\(comment()) lengths differ: \(actual.count) vs \(expected.count)",
            sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() where !isClose(a, e, relative: relative) {
        Issue.record("\(comment()) element \(i): got \(a), expected \(e) (relative tolerance \(relative))",
                     sourceLocation: sourceLocation)
        return
    }
}
