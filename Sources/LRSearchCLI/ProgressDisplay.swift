// Progress of a long run on stderr: one updating line on a terminal, plain periodic lines otherwise.

import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Calls `line()` every `interval` seconds and shows the result: rewritten in place (`\r`) when
/// stderr is a terminal, as its own line every `plainInterval` seconds when it is not.
final class ProgressDisplay: @unchecked Sendable {  // all mutable state is touched on `queue` only
    private let queue = DispatchQueue(label: "lrsearch.progress")
    private let timer: DispatchSourceTimer
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastWidth = 0
    private var lastPlain = Date()
    private let plainInterval: TimeInterval
    private let line: @Sendable () -> String

    init(interval: TimeInterval = 0.5, plainInterval: TimeInterval = 10, line: @escaping @Sendable () -> String) {
        self.plainInterval = plainInterval
        self.line = line
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
    }

    private func tick() {
        let text = line()
        if isTerminal {
            let columns = terminalColumns()
            let shown = text.count > columns - 1 ? String(text.prefix(columns - 1)) : text
            let pad = String(repeating: " ", count: max(0, lastWidth - shown.count))
            writeStderr("\r" + shown + pad)
            lastWidth = shown.count
        } else if Date().timeIntervalSince(lastPlain) >= plainInterval {
            writeStderr(text + "\n")
            lastPlain = Date()
        }
    }

    /// Prints `message` on a line of its own (clearing the progress line first).
    func note(_ message: String) {
        queue.sync {
            clearLine()
            writeStderr(message + "\n")
        }
    }

    /// Stops the timer and clears the progress line.
    func finish() {
        queue.sync {
            timer.cancel()
            clearLine()
        }
    }

    private func clearLine() {
        if isTerminal && lastWidth > 0 {
            writeStderr("\r" + String(repeating: " ", count: lastWidth) + "\r")
            lastWidth = 0
        }
    }

    private func terminalColumns() -> Int {
        var w = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 10 { return Int(w.ws_col) }
        return 100
    }
}

/// Writes `text` to stderr. A failed write (stderr closed, EPIPE) is ignored: progress and
/// messages are never worth losing a run for (`FileHandle.write` would trap on it).
func writeStderr(_ text: String) {
    let bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes[done...].withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return }
        done += n
    }
}

/// `1m05s`, `42s`, `1h02m`.
func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0, seconds < 1e12 else { return "?" }  // Int(_:) needs a bounded value
    let s = Int(seconds.rounded())
    if s < 60 { return "\(s)s" }
    if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
    return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
}
