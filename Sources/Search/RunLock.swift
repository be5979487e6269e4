// The exclusive lock a run holds on its results folder, so that two processes never write one folder.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A second process found the results folder locked, or the lock file could not be used.
public enum RunLockError: Error, Equatable, CustomStringConvertible {
    /// Another live process holds the lock; `holder` is what it wrote into the lock file.
    case held(folder: String, holder: String)
    /// `--join` peers of a search are working in the folder (they hold the lock shared).
    case peers(folder: String)
    case io(file: String, reason: String)

    public var description: String {
        switch self {
        case .held(let folder, let holder):
            return "\(folder)/ is in use by another lrsearch run (\(holder)); wait for it to finish, "
                + "or pass --out DIR to write elsewhere"
        case .peers(let folder):
            return "\(folder)/ is in use by peers of a shared search (run --join); join them with --join, "
                + "wait for them to finish, or pass --out DIR to write elsewhere"
        case .io(let file, let reason):
            return "\(file): \(reason)"
        }
    }
}

/// An exclusive `flock(2)` on `<folder>/.lrsearch-run.lock`, held from before the journal is read
/// until the process ends (or the lock is released). It is advisory: every lrsearch command that
/// writes the folder takes it, and `run --overwrite` or `--resume` against a folder another run is
/// writing is refused with the holder's pid and start time instead of replacing its journal.
///
/// The kernel drops the lock when the holder's last descriptor closes — at exit, by any signal,
/// `kill -9` included — so a crash never leaves a stale lock; the file itself stays (removing it
/// would race with a process that has just opened it) and only its contents describe the last holder.
///
/// Shared-journal peers (`run --join`) take this lock shared (`LOCK_SH`, which Linux NFS maps to a
/// POSIX byte-range lock, so it works across clients): peers coexist, while a plain `run`,
/// `--overwrite` or `--resume` is refused as long as any peer is working, and a peer is refused while a
/// plain run holds the folder. Each append of a peer is serialised by a separate, short-lived
/// `trials.jsonl.lock` made with `O_EXCL` (`JournalFileLock`). The two lock files have distinct names
/// on purpose: this one guards the folder for a whole run, that one a single append.
public final class RunLock: Sendable {
    /// The lock file's name inside the results folder.
    public static let fileName = ".lrsearch-run.lock"
    public let path: String
    private let fd: Int32

    /// Creates `folder` if needed and takes the lock without waiting: exclusive, or `shared` for a
    /// `--join` peer.
    /// - Throws: `RunLockError.held` naming the holder when another process has it (`.peers` when
    ///   `--join` peers hold it shared).
    public init(folder: String, shared: Bool = false) throws(RunLockError) {
        let dir = folder.isEmpty ? "." : folder
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), !isDir.boolValue {
            throw .io(file: folder, reason: "is a file, not a folder; --out expects a results folder")
        }
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: dir),
           !FileManager.default.fileExists(atPath: dir) {
            throw .io(file: folder, reason: "is a symbolic link to \(target), which does not exist")
        }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw .io(file: dir, reason: "cannot create the results folder: \(Self.reason(error))")
        }
        path = (dir as NSString).appendingPathComponent(Self.fileName)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(file: path, reason: "cannot open the lock file: \(String(cString: strerror(errno)))") }
        var status: Int32
        repeat { status = flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) } while status != 0 && errno == EINTR
        guard status == 0 else {
            let code = errno
            let holder = Self.holder(fd: fd)
            // Held shared, by peers, when a shared lock can be had now.
            let byPeers = !shared && code == EWOULDBLOCK && flock(fd, LOCK_SH | LOCK_NB) == 0
            close(fd)
            if byPeers { throw .peers(folder: folder) }
            if code == EWOULDBLOCK { throw .held(folder: folder, holder: holder) }
            throw .io(file: path, reason: "cannot lock: \(String(cString: strerror(code)))")
        }
        // Peers write nothing into it: several hold it at once.
        if shared { return }
        // Ours now: describe this process for the next one that finds the folder locked.
        let started = ISO8601DateFormatter().string(from: Date())
        let text = Array("pid \(getpid())\nstarted \(started)\nhost \(ProcessInfo.processInfo.hostName)\n".utf8)
        guard ftruncate(fd, 0) == 0, text.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, 0) }) == text.count else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .io(file: path, reason: "cannot write the lock file: \(reason)")
        }
    }

    deinit { close(fd) }  // releases the lock

    /// "pid 123, started 2026-11-30T04:20:00Z on host h", from the lock file the holder wrote.
    static func holder(fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        var fields: [String: String] = [:]
        for line in String(decoding: buffer.prefix(max(0, n)), as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        guard let pid = fields["pid"] else { return "pid not yet written: it has just started" }
        var text = "pid \(pid)"
        if let started = fields["started"] { text += ", started \(started)" }
        if let host = fields["host"] { text += " on host \(host)" }
        return escapingControlCharacters(text)
    }

    /// The plain words of the errno under a Foundation file error ("Not a directory"), when it has one.
    public static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if let under = ns.userInfo[NSUnderlyingErrorKey] as? NSError, under.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(under.code)))
        }
        return ns.localizedDescription
    }
}

/// `text` with every control character (C0, DEL, C1 — newlines and tabs included unless
/// `keepingNewlines`) written as a visible escape (`\n`, `\t`, `\u{1B}`), so that text from a file, a
/// spec or an argument echoed in a terminal message can neither move the cursor, recolour the
/// screen nor (when escaped at its source) forge extra lines. The CLI passes every error message
/// through it with `keepingNewlines` (messages list problems one per line) and escapes user text
/// (paths, names) fully where it is inserted.
public func escapingControlCharacters(_ text: String, keepingNewlines: Bool = false) -> String {
    var out = ""
    out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
    for s in text.unicodeScalars {
        switch s {
        case "\n" where keepingNewlines: out.unicodeScalars.append(s)
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where s.properties.generalCategory == .control:
            out += "\\u{" + String(s.value, radix: 16, uppercase: true) + "}"
        default: out.unicodeScalars.append(s)
        }
    }
    return out
}
