// Runs the built `lrsearch` with a time limit and reports how it ended: exit code, signal or hang.

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

/// Runs `lrsearch args…` in `directory`, killing it after `timeout` seconds; `binary` defaults to
/// ``lrsearchBinary()``. At most `outputLimit` bytes of each stream are kept (the rest is read and
/// dropped, so the child never blocks on a pipe). The child's address space is limited to
/// `memoryLimit` bytes (set just after it starts), so an input that makes it allocate without bound
/// ends in a failed allocation (a signal) instead of taking the machine's memory.
public func runLRSearchBounded(_ args: [String], in directory: URL? = nil, timeout: Double,
                               binary: URL? = nil, outputLimit: Int = 1 << 20,
                               memoryLimit: UInt64 = 2 << 30) throws -> BoundedOutput {
    let process = Process()
    process.executableURL = binary ?? lrsearchBinary()
    process.arguments = args
    process.currentDirectoryURL = directory ?? packageRoot()
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    let done = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in done.signal() }
    let start = Date()
    try process.run()
    limitAddressSpace(of: process.processIdentifier, to: memoryLimit)
    let outBox = ByteBox(), errBox = ByteBox()
    let readers = DispatchGroup()
    DispatchQueue.global().async(group: readers) { drain(out.fileHandleForReading, into: outBox, limit: outputLimit) }
    DispatchQueue.global().async(group: readers) { drain(err.fileHandleForReading, into: errBox, limit: outputLimit) }
    var timedOut = false
    if done.wait(timeout: .now() + timeout) == .timedOut {
        timedOut = true
        kill(process.processIdentifier, SIGKILL)
        done.wait()
    }
    readers.wait()
    let ending: BoundedOutput.Ending
    if timedOut {
        ending = .timedOut
    } else if process.terminationReason == .uncaughtSignal {
        ending = .signaled(process.terminationStatus)
    } else {
        ending = .exited(process.terminationStatus)
    }
    return BoundedOutput(ending: ending, stdout: outBox.get(), stderr: errBox.get(),
                         seconds: Date().timeIntervalSince(start))
}

/// glibc's prlimit(2) wrapper, looked up at run time: Swift's Glibc module leaves out the _GNU_SOURCE
/// declarations.
private typealias PrlimitFunction = @convention(c) (pid_t, Int32, UnsafePointer<rlimit>?, UnsafeMutablePointer<rlimit>?) -> Int32

private func limitAddressSpace(of pid: pid_t, to bytes: UInt64) {
    #if canImport(Glibc)
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prlimit") else { return }  // RTLD_DEFAULT
    let prlimit = unsafeBitCast(symbol, to: PrlimitFunction.self)
    var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
    _ = prlimit(pid, Int32(RLIMIT_AS.rawValue), &limit, nil)
    #endif
}

private func drain(_ handle: FileHandle, into box: ByteBox, limit: Int) {
    while true {
        let chunk = handle.availableData
        if chunk.isEmpty { return }
        box.append(chunk, limit: limit)
    }
}

/// Bytes written by one reader thread and read after a DispatchGroup wait.
private final class ByteBox: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var bytes: [UInt8] = []
    func append(_ d: Data, limit: Int) {
        lock.lock()
        if bytes.count < limit { bytes += d.prefix(limit - bytes.count) }
        lock.unlock()
    }
    func get() -> [UInt8] { lock.lock(); defer { lock.unlock() }; return bytes }
}
