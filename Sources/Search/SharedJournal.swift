// One journal shared by the peers of a search (`run --join`) on a shared filesystem: appends under a
// lock file, reads by byte offset. The protocol is described in docs/journal.md.

import Foundation
import JSON5
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The append lock of a shared journal: `<journal>.lock`, created with `open(O_CREAT | O_EXCL)`, which
/// is atomic on local filesystems and on NFSv3 and later (Optuna's `JournalFileOpenLock`).
///
/// - Held: the file exists. The holder writes `pid host time` into it and, while it holds the lock,
///   refreshes its modification time every `grace / 3` seconds.
/// - Released by renaming the file to a unique name and unlinking that name (a rename is atomic; an
///   unlink of a file some NFS client still has open would leave a `.nfsXXXX` file behind instead).
/// - Broken when its modification time is older than `grace` seconds: the holder died (kill -9,
///   a lost machine) while holding it, so it blocks the other peers for at most `grace` (optuna#5921).
///   The breaker renames the stale file away and unlinks it, then competes for the lock like anyone.
///   If the file it renamed is not stale (a peer took the lock in between: rename keeps the mtime),
///   it links it back. A holder checks that the lock file is still its own (the unique token it wrote
///   into it) before it writes and before it releases.
public final class JournalFileLock: @unchecked Sendable {  // `ino`, `refresher` are touched by the holding thread only
    public let path: String
    public let grace: Double
    /// What this holder wrote into the lock file (`pid host time token`): its identity, since a
    /// filesystem may give a new file the inode number of one just deleted.
    private var token = ""
    private var refresher: DispatchSourceTimer?

    /// This machine's name, looked up once (the lookup may cost a resolver query).
    static let host = ProcessInfo.processInfo.hostName

    public init(journal: String, grace: Double = 30) {
        path = journal + ".lock"
        self.grace = max(0.5, grace)
    }

    /// Takes the lock, waiting as long as it takes (a stale lock is broken after `grace`). Returns
    /// how many stale locks this call broke.
    public func acquire() throws(JournalError) -> Int {
        var broken = 0
        var pause: useconds_t = 100
        while true {
            let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
            if fd >= 0 {
                token = "\(getpid()) \(Self.host) \(Date().timeIntervalSince1970) \(UUID().uuidString)\n"
                let text = Array(token.utf8)
                let n = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
                guard n == text.count else {
                    let aside = path + ".rename." + UUID().uuidString
                    if rename(path, aside) == 0 { unlink(aside) }
                    throw .io(file: path, reason: "cannot write the lock file")
                }
                startRefreshing()
                return broken
            }
            let code = errno
            guard code == EEXIST || code == EINTR else {
                throw .io(file: path, reason: "cannot create the lock file: \(String(cString: strerror(code)))")
            }
            // lstat: a lock path that is a symbolic link (dangling, say) is judged by the link's own age,
            // so it is broken like any stale file instead of blocking every peer for ever.
            var st = stat()
            if lstat(path, &st) == 0 {
                if Self.isStale(st, grace: grace) {
                    if breakStale() { broken += 1 }
                    continue
                }
            }
            usleep(pause)
            pause = min(pause * 2, 2_000)
        }
    }

    /// Whether the lock file is still the one this holder created.
    public var stillHeld: Bool { !token.isEmpty && Self.contents(path) == token }

    /// A lock file's contents (at most 4 KiB), or nil when it cannot be read.
    static func contents(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return n < 0 ? nil : String(decoding: buffer.prefix(n), as: UTF8.self)
    }

    /// Releases the lock: rename, then unlink.
    public func release() {
        refresher?.cancel()
        refresher = nil
        defer { token = "" }
        guard stillHeld else { return }  // broken meanwhile: the file is someone else's now
        let aside = path + ".rename." + UUID().uuidString
        if rename(path, aside) == 0 { unlink(aside) }
    }

    /// Renames the lock file aside; unlinks it if it is stale indeed, else (a peer took the lock since
    /// we looked) links it back.
    private func breakStale() -> Bool {
        let aside = path + ".broken." + UUID().uuidString
        guard rename(path, aside) == 0 else { return false }
        var st = stat()
        if lstat(aside, &st) == 0, !Self.isStale(st, grace: grace) {
            _ = link(aside, path)
            unlink(aside)
            return false
        }
        unlink(aside)
        return true
    }

    /// Whether a lock file with these attributes belongs to a dead holder: its modification time is
    /// more than `grace` seconds away from now — in the past (no longer refreshed) or in the future (a
    /// leftover stamped by a wrong clock, which would otherwise never age; a live holder's refresh
    /// stamps it with the current time, so clocks that agree within the grace never see this).
    static func isStale(_ st: stat, grace: Double) -> Bool { abs(age(st)) > grace }

    static func age(_ st: stat) -> Double {
        Date().timeIntervalSince1970 - (Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
    }

    private func startRefreshing() {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .userInitiated))
        let every = grace / 3
        timer.schedule(deadline: .now() + every, repeating: every)
        let path = self.path
        timer.setEventHandler { _ = utimes(path, nil) }
        timer.resume()
        refresher = timer
    }
}

/// What a peer measured of its use of the shared journal.
public struct SharedJournalStats: Sendable, Equatable {
    /// Transactions (lock taken, new lines read, lines appended).
    public var transactions = 0
    /// Seconds spent waiting for the lock.
    public var lockWait = 0.0
    /// Seconds spent reading and parsing other peers' lines.
    public var replay = 0.0
    /// Bytes read from the journal (complete lines only).
    public var bytesRead = 0
    /// Lines appended.
    public var appended = 0
    /// Stale locks broken.
    public var brokenLocks = 0
}

/// The shared journal file: complete lines read from a remembered byte offset, and appends made
/// under `JournalFileLock`, each written whole at the end of the file (never `O_APPEND` alone, which
/// NFS does not honour across clients) and fsynced before the lock is released.
public final class SharedJournal: Sendable {
    public let path: String
    public let lock: JournalFileLock
    private struct State {
        /// Bytes of complete lines consumed so far (this peer's own appends included).
        var offset: Int = 0
        var stats = SharedJournalStats()
    }
    private let state = Mutex(State())
    /// One transaction at a time in this process (the lock file serialises the processes).
    private let gate = NSLock()

    public init(path: String, grace: Double = 30) {
        self.path = path
        lock = JournalFileLock(journal: path, grace: grace)
    }

    public var stats: SharedJournalStats { state.withLock { $0.stats } }

    /// Counts time spent taking in lines read (parsing them, updating the search) as replay.
    public func addReplayTime(_ seconds: Double) { state.withLock { $0.stats.replay += seconds } }

    /// Reads the complete lines after the remembered offset (without the lock) and moves past them.
    public func readNew() throws(JournalError) -> [String] {
        var lines: [String] = []
        try readNew { lines = $0 }
        return lines
    }

    /// Reads the complete lines after the remembered offset (without the lock), moves past them and
    /// hands them to `consume` — before any other read or append of this process, so that lines are
    /// taken in in journal order.
    public func readNew(then consume: ([String]) throws(JournalError) -> Void) throws(JournalError) {
        gate.lock()
        defer { gate.unlock() }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT {
                if state.withLock({ $0.offset }) > 0 { throw .io(file: path, reason: Self.vanished) }
                return
            }
            throw .io(file: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        try consume(try read(fd: fd))
    }

    /// Under the lock: reads the lines other peers appended since the last read, passes them to
    /// `body`, and appends the lines `body` returns (each a JSON record) in one write, fsynced.
    /// A torn last line (a peer died mid-write, and its lock was broken) is cut off first.
    @discardableResult
    public func transact(_ body: ([String]) throws -> [JSONValue]) throws -> [String] {
        gate.lock()
        defer { gate.unlock() }
        let waited = Date()
        let broken = try lock.acquire()
        let lockWait = Date().timeIntervalSince(waited)
        defer { lock.release() }
        // Created only by the first append: a journal deleted under running peers is an error (below),
        // not a new file.
        let creating = state.withLock { $0.offset } == 0
        let fd = open(path, O_RDWR | O_CLOEXEC | (creating ? O_CREAT : 0), 0o644)
        guard fd >= 0 else {
            if errno == ENOENT { throw JournalError.io(file: path, reason: Self.vanished) }
            throw JournalError.io(file: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let lines = try read(fd: fd)
        let records = try body(lines)
        state.withLock {
            $0.stats.transactions += 1
            $0.stats.lockWait += lockWait
            $0.stats.brokenLocks += broken
        }
        guard !records.isEmpty else { return lines }
        let end = state.withLock { $0.offset }
        // Checked before anything is cut or written: a holder that stalled past the grace (SIGSTOP, a
        // swapped-out VM) while `body` ran must neither cut nor overwrite the lines the lock's next
        // holder appended meanwhile.
        let lost = JournalError.io(file: path, reason: "the journal lock was broken while held (grace \(lock.grace) s); "
                                   + "this peer stalled longer than --lock-grace, and stops rather than overwrite the others' lines")
        guard lock.stillHeld else { throw lost }
        var size = stat()
        guard fstat(fd, &size) == 0 else { throw JournalError.io(file: path, reason: "cannot stat: \(String(cString: strerror(errno)))") }
        if Int(size.st_size) > end {
            // Bytes past the last complete line: a torn write of a peer that died holding the lock —
            // unless they hold a newline, which only another holder can have written since we read.
            guard try !tailHasNewline(fd: fd, from: end, to: Int(size.st_size)) else { throw lost }
            guard ftruncate(fd, off_t(end)) == 0 else {
                throw JournalError.io(file: path, reason: "cannot cut a torn last line: \(String(cString: strerror(errno)))")
            }
        }
        let bytes = Array(records.map { JSONWriter.compact($0) + "\n" }.joined().utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(end + written)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw JournalError.io(file: path, reason: "write failed: \(String(cString: strerror(errno)))")
            }
            written += n
        }
        guard fsync(fd) == 0 else { throw JournalError.io(file: path, reason: "fsync failed: \(String(cString: strerror(errno)))") }
        state.withLock {
            $0.offset = end + bytes.count
            $0.stats.appended += records.count
        }
        return lines
    }

    static let vanished = "was deleted while the peers work; this peer stops rather than start a new journal"

    /// Whether the bytes `from ..< to` of the file hold a newline.
    private func tailHasNewline(fd: Int32, from: Int, to: Int) throws(JournalError) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var at = from
        while at < to {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, min($0.count, to - at), off_t(at)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(file: path, reason: "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            if chunk[0..<n].contains(UInt8(ascii: "\n")) { return true }
            at += n
        }
        return false
    }

    /// Complete lines from the remembered offset to the end of the file; the offset moves past them.
    private func read(fd: Int32) throws(JournalError) -> [String] {
        let started = Date()
        var offset = state.withLock { $0.offset }
        var size = stat()
        if fstat(fd, &size) == 0, Int(size.st_size) < offset {
            // Appending at our offset would fill the gap with NUL bytes and leave a journal nothing reads.
            throw .io(file: path, reason: "holds \(size.st_size) bytes, fewer than the \(offset) this peer has read: "
                      + "it was truncated or replaced while the peers work; this peer stops rather than write into it")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset + bytes.count)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(file: path, reason: "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        guard let last = bytes.lastIndex(of: UInt8(ascii: "\n")) else {
            state.withLock { $0.stats.replay += Date().timeIntervalSince(started) }
            return []
        }
        let complete = bytes[...last]
        offset += complete.count
        let lines = complete.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
            .map { String(decoding: $0, as: UTF8.self) }
        state.withLock {
            $0.offset = offset
            $0.stats.bytesRead += complete.count
            $0.stats.replay += Date().timeIntervalSince(started)
        }
        return lines
    }
}
