// Runs the built `lrsearch` executable for CLI tests: arguments in; stdout, stderr and exit code out.

import Foundation

/// What one run of the binary produced.
public struct ProcessOutput: Sendable, Equatable {
    public var stdout: String
    public var stderr: String
    public var status: Int32
    public init(stdout: String, stderr: String, status: Int32) {
        self.stdout = stdout
        self.stderr = stderr
        self.status = status
    }
}

/// The `lrsearch` binary built next to the test bundle (swift test builds every product first).
public func lrsearchBinary() -> URL {
    let candidates = [
        Bundle.main.executableURL?.deletingLastPathComponent(),
        Bundle.main.bundleURL.deletingLastPathComponent(),
        URL(fileURLWithPath: CommandLine.arguments.first ?? ".").deletingLastPathComponent(),
    ]
    for dir in candidates.compactMap({ $0 }) {
        let url = dir.appendingPathComponent("lrsearch")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return packageRoot().appendingPathComponent(".build/debug/lrsearch")
}

/// The package's root folder (where Package.swift is).
public func packageRoot(filePath: String = #filePath) -> URL {
    URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// Runs `lrsearch args…` in `directory` (default: the package root) and waits for it.
public func runLRSearch(_ args: [String], in directory: URL? = nil, stdin: String? = nil,
                        environment: [String: String]? = nil) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = lrsearchBinary()
    process.arguments = args
    process.currentDirectoryURL = directory ?? packageRoot()
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    // Read both pipes concurrently so a chatty child cannot block on a full pipe.
    let errData = LockedData()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ProcessOutput(stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData.get(), as: UTF8.self),
                         status: process.terminationStatus)
}

/// A Data box written by one thread and read by another after a DispatchGroup wait.
private final class LockedData: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}
