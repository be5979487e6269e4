// Runs the built `lrsearch` with a time limit and reports how it ended: exit code, signal or hang.
//
// Built on posix_spawn and waitpid rather than Foundation's Process: with several processes started
// at once from different threads, Process on Linux sometimes never reaps a child (it stays a zombie
// and `terminationHandler` never runs), which hung a 15,000-case sweep. Here the thread that starts
// a child also reaps it, reading both pipes with poll(2) in the same loop.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How one bounded run ended.
public struct BoundedOutput: Sendable {
    public enum Ending: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
        /// Still running after the time limit; it was killed with SIGKILL.
        case timedOut
    }
    public var ending: Ending
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    public var seconds: Double
}

public struct BoundedRunError: Error, CustomStringConvertible {
    public var description: String
}

/// Runs `lrsearch args…` in `directory`, killing it after `timeout` seconds; `binary` defaults to
/// ``lrsearchBinary()``. At most `outputLimit` bytes of each stream are kept (the rest is read and
/// dropped, so the child never blocks on a pipe). The child's address space is limited to
/// `memoryLimit` bytes (set just after it starts), so an input that makes it allocate without bound
/// ends in a failed allocation (a signal) instead of taking the machine's memory.
public func runLRSearchBounded(_ args: [String], in directory: URL? = nil, timeout: Double,
                               binary: URL? = nil, outputLimit: Int = 1 << 20,
                               memoryLimit: UInt64 = 2 << 30) throws -> BoundedOutput {
    let path = (binary ?? lrsearchBinary()).path
    let folder = (directory ?? packageRoot()).path
    let start = Date()
    let (pid, outFD, errFD) = try spawn(path, args, in: folder)
    limitAddressSpace(of: pid, to: memoryLimit)
    var out: [UInt8] = [], err: [UInt8] = []
    var open = [outFD, errFD]
    var status: Int32 = 0
    var exited = false, timedOut = false
    var buffer = [UInt8](repeating: 0, count: 65_536)
    var exitTime: Date?
    while true {
        if !exited {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { exited = true; exitTime = Date() }
            if r == -1 && errno == ECHILD {  // reaped by someone else: its status is lost
                for fd in open { close(fd) }
                throw BoundedRunError(description: "lost the exit status of pid \(pid): reaped elsewhere")
            }
        }
        // Done when the child is gone and its pipes are drained; a pipe still open 2 s after the
        // exit was inherited by a grandchild (there are none) or another test's child: stop reading.
        if exited && (open.isEmpty || Date().timeIntervalSince(exitTime!) > 2) { break }
        if !exited && Date().timeIntervalSince(start) > timeout {
            timedOut = true
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            exited = true
            exitTime = Date()
        }
        var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        _ = poll(&fds, nfds_t(fds.count), fds.isEmpty ? 0 : 20)
        if fds.isEmpty { usleep(5_000) }
        for p in fds where p.revents != 0 {
            let n = buffer.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
            if n > 0 {
                if p.fd == outFD, out.count < outputLimit { out += buffer.prefix(min(n, outputLimit - out.count)) }
                if p.fd == errFD, err.count < outputLimit { err += buffer.prefix(min(n, outputLimit - err.count)) }
            } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                close(p.fd)
                open.removeAll { $0 == p.fd }
            }
        }
    }
    for fd in open { close(fd) }
    let ending: BoundedOutput.Ending
    if timedOut {
        ending = .timedOut
    } else if status & 0x7F == 0 {
        ending = .exited((status >> 8) & 0xFF)  // WIFEXITED / WEXITSTATUS
    } else {
        ending = .signaled(status & 0x7F)  // WTERMSIG
    }
    return BoundedOutput(ending: ending, stdout: out, stderr: err, seconds: Date().timeIntervalSince(start))
}

/// One spawn at a time within this process, so no child inherits another's pipe ends in the moment
/// between pipe() and the close-on-exec flag.
private let spawnLock = NSLock()

/// glibc's posix_spawn_file_actions_addchdir_np and prlimit, looked up at run time: Swift's Glibc
/// module leaves out the _GNU_SOURCE declarations.
private typealias AddChdirFunction = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?,
                                                     UnsafePointer<CChar>?) -> Int32
private typealias PrlimitFunction = @convention(c) (pid_t, Int32, UnsafePointer<rlimit>?,
                                                    UnsafeMutablePointer<rlimit>?) -> Int32

private func lookup<F>(_ name: String, as type: F.Type) -> F? {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }  // RTLD_DEFAULT
    return unsafeBitCast(symbol, to: type)
}

/// Starts `path args…` in `folder` with stdin from /dev/null and stdout, stderr to new pipes.
private func spawn(_ path: String, _ args: [String], in folder: String) throws -> (pid_t, Int32, Int32) {
    guard let addChdir = lookup("posix_spawn_file_actions_addchdir_np", as: AddChdirFunction.self) else {
        throw BoundedRunError(description: "posix_spawn_file_actions_addchdir_np is missing (glibc < 2.29)")
    }
    spawnLock.lock()
    defer { spawnLock.unlock() }
    var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
    guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw BoundedRunError(description: "pipe: errno \(errno)") }
    for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
    _ = addChdir(&actions, folder)
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.map { strdup("\($0)=\($1)") } + [nil]
    defer { for p in argv + envp { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
    close(outPipe[1])
    close(errPipe[1])
    guard rc == 0 else {
        close(outPipe[0])
        close(errPipe[0])
        throw BoundedRunError(description: "posix_spawn \(path): error \(rc)")
    }
    return (pid, outPipe[0], errPipe[0])
}

private func limitAddressSpace(of pid: pid_t, to bytes: UInt64) {
    guard let prlimit = lookup("prlimit", as: PrlimitFunction.self) else { return }
    var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
    _ = prlimit(pid, Int32(RLIMIT_AS.rawValue), &limit, nil)
}
