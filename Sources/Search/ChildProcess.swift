// One external trial's process: started with posix_spawn (no shell), read line by line, answered, stopped, reaped.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Why a program could not be started.
public struct SpawnError: Error, Equatable, CustomStringConvertible {
    public var description: String
}

/// A running program in its own process group, with its stdin and stdout piped to us and its stderr
/// appended to a log file.
///
/// Built on posix_spawn and waitpid (as TestSupport's BoundedRun), not Foundation's Process: the thread
/// that starts a child also reaps it. Every descriptor we open is close-on-exec and the child closes
/// every descriptor above 2 before it runs, so no trial's pipe leaks into another trial's program (a
/// leaked write end would keep a pipe from ever reaching end-of-file). Signals go to the whole group,
/// so a shell script's own children are stopped with it.
final class ChildProcess {
    let pid: pid_t
    private var stdinFD: Int32
    private var stdoutFD: Int32
    private let logFD: Int32
    private var buffer: [UInt8] = []
    /// Bytes at the start of `buffer` already returned as lines.
    private var head = 0
    private var reaped = false
    private(set) var status: Int32 = 0
    /// A line longer than this is cut (the rest follows as another line): memory stays bounded.
    static let maxLine = 1 << 20

    enum Read: Equatable {
        case line([UInt8])
        case endOfFile
        case timedOut
    }

    /// Starts `command` in `directory` with `environment` added to ours; stderr appends to `logPath`
    /// (created or truncated).
    init(command: [String], directory: String?, environment: [String: String], logPath: String) throws(SpawnError) {
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw SpawnError(description: "cannot create \(logPath): \(String(cString: strerror(errno)))") }
        var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0]
        Self.spawnLock.lock()
        defer { Self.spawnLock.unlock() }
        guard pipe(&inPipe) == 0 else { close(log); throw SpawnError(description: "pipe: \(String(cString: strerror(errno)))") }
        guard pipe(&outPipe) == 0 else {
            close(log); close(inPipe[0]); close(inPipe[1])
            throw SpawnError(description: "pipe: \(String(cString: strerror(errno)))")
        }
        for fd in inPipe + outPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // Answers never block us: a program that does not read stdin loses them instead.
        _ = fcntl(inPipe[1], F_SETFL, fcntl(inPipe[1], F_GETFL) | O_NONBLOCK)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, log, 2)
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        if let directory {
            guard let addChdir = Self.addChdir else {
                throw SpawnError(description: "posix_spawn_file_actions_addchdir_np is missing (glibc < 2.29)")
            }
            _ = addChdir(&actions, directory)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Own process group (signals reach its children too); default dispositions for the signals
        // lrsearch itself ignores (ignored ones would be inherited), and nothing blocked.
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults)
        sigemptyset(&empty)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LRSEARCH_") }
        env.merge(environment) { _, new in new }
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawnp(&child, command[0], &actions, &attributes, argv, envp)
        close(inPipe[0])
        close(outPipe[1])
        guard rc == 0 else {
            close(inPipe[1]); close(outPipe[0]); close(log)
            throw SpawnError(description: "cannot start '\(command[0])': \(String(cString: strerror(rc)))")
        }
        pid = child
        stdinFD = inPipe[1]
        stdoutFD = outPipe[0]
        logFD = log
    }

    deinit {
        if !reaped { kill(-pid, SIGKILL); reap(blocking: true) }
        for fd in [stdinFD, stdoutFD, logFD] where fd >= 0 { close(fd) }
    }

    /// The next line of stdout (without its newline), end of file, or `.timedOut` at `deadline`.
    ///
    /// End of file also comes when the program has exited while something else still holds its
    /// stdout (a background child it started): what it wrote is read, its group is killed (as
    /// `reap` would), and the pipe is closed, so a leftover child cannot keep the trial running.
    func readLine(until deadline: ContinuousClock.Instant?) -> Read {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let nl = buffer[head...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[head..<nl])
                head = nl + 1
                return .line(line)
            }
            if buffer.count - head >= Self.maxLine {
                let line = Array(buffer[head..<(head + Self.maxLine)])
                head += Self.maxLine
                return .line(line)
            }
            // Only a partial line is left: drop what was returned (linear in the lines, not quadratic).
            if head > 0 {
                buffer.removeFirst(head)
                head = 0
            }
            guard stdoutFD >= 0 else {
                if buffer.isEmpty { return .endOfFile }
                defer { buffer.removeAll() }
                return .line(buffer)
            }
            if ContinuousClock.now >= nextExitCheck {
                nextExitCheck = ContinuousClock.now.advanced(by: Self.exitCheckInterval)
                if exited() {
                    drainAfterExit()
                    continue
                }
            }
            var fds = [pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)]
            let wait = Self.milliseconds(until: deadline)
            if wait == 0 && deadline != nil { return .timedOut }
            let r = poll(&fds, 1, wait < 0 ? Self.exitCheckMilliseconds : min(wait, Self.exitCheckMilliseconds))
            if r == 0 { if deadline != nil, Self.milliseconds(until: deadline) == 0 { return .timedOut }; continue }
            if r < 0 { if errno == EINTR { continue }; closeStdout(); continue }
            let n = chunk.withUnsafeMutableBytes { read(stdoutFD, $0.baseAddress, $0.count) }
            if n > 0 {
                buffer += chunk.prefix(n)
            } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                closeStdout()
            }
        }
    }

    /// How often `readLine` checks whether the program has exited while its stdout stays open.
    private static let exitCheckMilliseconds: Int32 = 100
    private static let exitCheckInterval = Duration.milliseconds(100)
    private var nextExitCheck = ContinuousClock.now

    /// The program has exited: kills what is left of its group, reads what is already in the pipe
    /// (at most `maxLine` more bytes than a line, so a child outside the group cannot keep us
    /// reading), and closes it.
    private func drainAfterExit() {
        kill(-pid, SIGKILL)
        _ = fcntl(stdoutFD, F_SETFL, fcntl(stdoutFD, F_GETFL) | O_NONBLOCK)
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var total = 0
        while total < 4 * Self.maxLine {
            let n = chunk.withUnsafeMutableBytes { read(stdoutFD, $0.baseAddress, $0.count) }
            if n > 0 {
                buffer += chunk.prefix(n)
                total += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        closeStdout()
    }

    /// Appends `text` and a newline to the trial's log.
    func log(_ bytes: [UInt8]) {
        var data = bytes
        data.append(UInt8(ascii: "\n"))
        data.withUnsafeBytes { p in
            var off = 0
            while off < p.count {
                let n = write(logFD, p.baseAddress! + off, p.count - off)
                if n <= 0 { if errno == EINTR { continue }; return }
                off += n
            }
        }
    }

    /// Writes one line to the program's stdin; false when it cannot take it (closed, or its pipe full).
    @discardableResult
    func send(_ line: String) -> Bool {
        guard stdinFD >= 0 else { return false }
        let bytes = Array((line + "\n").utf8)
        let n = bytes.withUnsafeBytes { write(stdinFD, $0.baseAddress, $0.count) }
        if n != bytes.count {
            close(stdinFD)
            stdinFD = -1
            return false
        }
        return true
    }

    /// Closes our end of the program's stdin (it reads end of file).
    func closeStdin() {
        if stdinFD >= 0 { close(stdinFD); stdinFD = -1 }
    }

    private func closeStdout() {
        if stdoutFD >= 0 { close(stdoutFD); stdoutFD = -1 }
    }

    /// Waits until the program exits or `deadline` passes (then returns false). Stdout read meanwhile
    /// goes to `onLine`.
    func waitForExit(until deadline: ContinuousClock.Instant?, onLine: ([UInt8]) -> Void) -> Bool {
        while !reaped {
            if exited() { reap(blocking: true); return true }
            if let deadline, ContinuousClock.now >= deadline { return false }
            if stdoutFD >= 0 || buffer.count > head {
                let short = ContinuousClock.now.advanced(by: .milliseconds(20))
                let until = deadline.map { min($0, short) } ?? short
                if case .line(let l) = readLine(until: until) { onLine(l) }
            } else {
                usleep(10_000)
            }
        }
        return true
    }

    /// Stops the program: SIGTERM to its group, `grace` seconds to exit, then SIGKILL; reaps it.
    func terminate(grace: Double, onLine: ([UInt8]) -> Void) {
        guard !reaped else { return }
        closeStdin()
        kill(-pid, SIGTERM)
        if waitForExit(until: ContinuousClock.now.advanced(by: .seconds(grace)), onLine: onLine) { return }
        kill(-pid, SIGKILL)
        reap(blocking: true)
    }

    /// Whether the program has exited (without reaping it, so its pid stays ours; its group's
    /// leftovers are killed then, while the group id cannot be reused).
    private func exited() -> Bool {
        var info = siginfo_t()
        let r = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
        guard r == 0 else { return errno == ECHILD }
        return info._sifields._sigchld.si_pid != 0
    }

    /// Reaps the program (after killing what is left of its group, so nothing outlives the trial).
    private func reap(blocking: Bool) {
        guard !reaped else { return }
        kill(-pid, SIGKILL)
        var st: Int32 = 0
        while true {
            let r = waitpid(pid, &st, blocking ? 0 : WNOHANG)
            if r == pid { status = st; break }
            if r == -1 && errno == EINTR { continue }
            break
        }
        reaped = true
        closeStdin()
        closeStdout()
    }

    /// How the program ended, once reaped: "exit status N" or "killed by signal N (NAME)".
    var endingDescription: String {
        if status & 0x7F == 0 { return "exit status \((status >> 8) & 0xFF)" }
        let sig = status & 0x7F
        let name = strsignal(sig).map { String(cString: $0) } ?? "?"
        return "killed by signal \(sig) (\(name))"
    }

    var exitedZero: Bool { reaped && status == 0 }

    private static func milliseconds(until deadline: ContinuousClock.Instant?) -> Int32 {
        guard let deadline else { return -1 }
        let d = ContinuousClock.now.duration(to: deadline)
        if d <= .zero { return 0 }
        let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) * 1e-15
        return Int32(min(ms.rounded(.up), 60_000))
    }

    /// One spawn at a time, so no child inherits another's pipe ends between pipe() and FD_CLOEXEC
    /// where closefrom is missing.
    private static let spawnLock = NSLock()

    private typealias AddChdirFunction = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?,
                                                         UnsafePointer<CChar>?) -> Int32
    private typealias AddCloseFromFunction = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    /// glibc's _np spawn actions, looked up at run time: Swift's Glibc module leaves out the _GNU_SOURCE declarations.
    private static let addChdir: AddChdirFunction? = lookup("posix_spawn_file_actions_addchdir_np")
    private static let addCloseFrom: AddCloseFromFunction? = lookup("posix_spawn_file_actions_addclosefrom_np")

    private static func lookup<F>(_ name: String) -> F? {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }  // RTLD_DEFAULT
        return unsafeBitCast(symbol, to: F.self)
    }
}
