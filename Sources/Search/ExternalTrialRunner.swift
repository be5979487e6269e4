// Runs one trial of a search as the user's program (protocol v1, docs/protocol.md): config in, reports out.

import Foundation
import JSON5
import LRSchedules
import Synchronization
import Trainer

#if canImport(Glibc)
import Glibc
#endif

/// Runs a search's units as external programs speaking protocol v1: it writes the trial's config and
/// schedule table into `<out>/trials/<index>.<repeat>/`, starts the command there (working directory:
/// the spec's folder), reads `[lrsearch] {…}` reports from its stdout, answers each on its stdin with
/// the next epoch's LR and whether to stop (the spec's pruner decides), and turns the reports into a
/// `TrialRecord`: `ok` (exit 0 after at least one report), `pruned`, `diverged` (a NaN/Inf in a report,
/// or a train loss above 1000× the first epoch's, as for built-in trials), or `failed` with the reason
/// and the last lines of the trial's log (non-zero exit, a signal, no report, a malformed report,
/// `timeout_s` passed).
public final class ExternalTrialRunner: TrialRunner {
    public let session: SearchSession
    /// Early stopping, if the spec asks for it (answered with `"stop": true`).
    public let pruner: PruningGate?
    /// The program's working directory (the spec's folder; nil: ours).
    public let directory: String?
    /// Absolute path of the results folder.
    public let outDir: String
    /// Seconds a program has to exit after `"stop": true` (then SIGTERM) and after SIGTERM (then SIGKILL).
    public let grace: Double
    private let running = Mutex<[TrialID: pid_t]>([:])
    private let cancelled = Mutex(false)
    /// Lines of the log quoted in a failed trial's reason.
    static let excerptLines = 10
    static let reportPrefix = Array("[lrsearch]".utf8)

    /// The JSON of a report line: what follows `[lrsearch]` (a space is expected but not required, so
    /// a missing one fails the trial instead of leaving the program waiting for an answer). A line is
    /// read as a terminal shows it: from its last carriage return (a progress bar drawn before the
    /// report), a trailing one (CRLF) left out. Nil for a line that is not a report.
    static func reportBody(_ line: [UInt8]) -> ArraySlice<UInt8>? {
        let cr = UInt8(ascii: "\r")
        var text = line[...]
        if text.last == cr { text = text.dropLast() }
        if let last = text.lastIndex(of: cr) { text = text[(last + 1)...] }
        guard text.starts(with: reportPrefix) else { return nil }
        return text.dropFirst(reportPrefix.count)
    }

    public init(session: SearchSession, directory: String?, outDir: String, grace: Double = 5) {
        self.session = session
        self.directory = directory
        self.outDir = ExternalTrialRunner.absolute(outDir)
        self.grace = grace
        pruner = session.makePruner()
        signal(SIGPIPE, SIG_IGN)  // a program that exits early must not end lrsearch when answered
    }

    /// Stops every running program (SIGKILL to its group): the search was abandoned.
    public func cancelRunning() {
        cancelled.withLock { $0 = true }
        for pid in running.withLock({ Array($0.values) }) { kill(-pid, SIGKILL) }
    }

    /// The folder of trial `id`: `<out>/trials/<index>.<repeat>`.
    public func trialDirectory(_ id: TrialID) -> String { outDir + "/trials/\(id.index).\(id.repeat)" }

    public func run(_ id: TrialID) throws(TrialFailure) -> TrialRecord {
        let (node, seed, point) = session.config(for: id)
        let config: ExternalTrialConfig
        do {
            config = try ExternalTrialConfig.parse(node, baseDirectory: directory)
        } catch {
            throw TrialFailure(id: id, message: error.description)
        }
        let start = ContinuousClock.now
        var trial = Attempt(id: id, config: config, start: start)
        trial.run(self, node: node)
        var record = TrialRecord(id: id, seed: seed, sampled: node.value, family: config.schedule.family, state: trial.state,
                                 epochs: trial.epochs, seconds: Self.seconds(ContinuousClock.now - start),
                                 derived: config.schedule.derivedParameters.map { DerivedValue(name: $0.name, value: $0.value) },
                                 point: point)
        record.reason = trial.reason
        if record.state == .ok { pruner?.trialCompleted(trial: id, values: session.spec.objective.curve(record.epochs)) }
        return record
    }

    fileprivate func started(_ id: TrialID, pid: pid_t) -> Bool {
        running.withLock { $0[id] = pid }
        return !cancelled.withLock { $0 }
    }

    fileprivate func ended(_ id: TrialID) { _ = running.withLock { $0.removeValue(forKey: id) } }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}

/// One run of one trial's program: the state machine of protocol v1.
private struct Attempt {
    let id: TrialID
    let config: ExternalTrialConfig
    let start: ContinuousClock.Instant
    var state = TrialStatus.failed
    var epochs: [EpochMetrics] = []
    var reason: String?
    var logPath = ""

    init(id: TrialID, config: ExternalTrialConfig, start: ContinuousClock.Instant) {
        self.id = id
        self.config = config
        self.start = start
    }

    mutating func run(_ runner: ExternalTrialRunner, node: JSONNode) {
        let dir = runner.trialDirectory(id)
        logPath = dir + "/stderr.log"
        let scheduler: LRScheduler
        var environment: [String: String]
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            scheduler = try LRScheduler(config.schedule)
            let configPath = dir + "/config.json"
            try Data((JSONWriter.pretty(config.programConfig(node.value)) + "\n").utf8).write(to: URL(fileURLWithPath: configPath))
            environment = ["LRSEARCH_PROTOCOL": "1", "LRSEARCH_TRIAL": "\(id.index)", "LRSEARCH_REPEAT": "\(id.repeat)",
                           "LRSEARCH_SEED": "\(config.seed)", "LRSEARCH_CONFIG": configPath, "LRSEARCH_TRIAL_DIR": dir]
            if !scheduler.needsMetric {
                let path = dir + "/schedule.csv"
                try Self.writeTable(scheduler, steps: config.totalSteps, to: path)
                environment["LRSEARCH_SCHEDULE"] = path
            }
        } catch {
            reason = "could not prepare \(dir): \(error)"
            return
        }
        let child: ChildProcess
        do {
            child = try ChildProcess(command: config.task.command, directory: runner.directory, environment: environment,
                                     logPath: logPath)
        } catch {
            reason = error.description
            return
        }
        defer { runner.ended(id) }
        guard runner.started(id, pid: child.pid) else {
            child.terminate(grace: 0) { _ in }
            reason = "the search was abandoned"
            return
        }
        converse(child, scheduler: scheduler, grace: runner.grace, pruner: runner.pruner, objective: runner.session.spec.objective)
    }

    /// Reads reports and answers them until the program ends, is stopped, or runs out of time.
    private mutating func converse(_ child: ChildProcess, scheduler: LRScheduler, grace: Double, pruner: PruningGate?,
                                   objective: Objective) {
        let deadline = config.task.timeoutSeconds.map { start.advanced(by: .milliseconds(Int64(($0 * 1000).rounded(.up)))) }
        var scheduler = scheduler
        var lastReport = start
        var lineNumber = 0
        var firstTrainLoss: Double?
        let log: ([UInt8]) -> Void = { child.log($0) }
        while true {
            switch child.readLine(until: deadline) {
            case .timedOut:
                child.terminate(grace: grace, onLine: log)
                fail("timed out after timeout_s = \(JSONWriter.number(config.task.timeoutSeconds ?? 0)) s (stopped: SIGTERM, then SIGKILL after \(JSONWriter.number(grace)) s)")
                return
            case .endOfFile:
                guard child.waitForExit(until: deadline, onLine: log) else {
                    child.terminate(grace: grace, onLine: log)
                    fail("closed stdout but was still running at timeout_s = \(JSONWriter.number(config.task.timeoutSeconds ?? 0)) s")
                    return
                }
                if child.exitedZero && !epochs.isEmpty {
                    state = .ok
                } else {
                    fail(child.exitedZero ? "exited with status 0 without a report" : "\(child.endingDescription) after \(epochs.count) report\(epochs.count == 1 ? "" : "s")")
                }
                return
            case .line(let bytes):
                lineNumber += 1
                guard let body = ExternalTrialRunner.reportBody(bytes) else { log(bytes); continue }
                let now = ContinuousClock.now
                let epochLR = scheduler.learningRate
                var metrics: EpochMetrics
                var nonFinite: String?
                do {
                    (metrics, nonFinite) = try Self.parseReport(body,
                                                               expected: epochs.count + 1, limit: config.task.epochs)
                } catch {
                    child.terminate(grace: grace, onLine: log)
                    let cut = bytes.count == ChildProcess.maxLine ? " (the line is longer than 1 MiB, the most a report may be)" : ""
                    fail("stdout line \(lineNumber): \(error.message)\(cut)")
                    return
                }
                metrics.lr = epochLR
                metrics.seconds = ExternalTrialRunner.seconds(now - lastReport)
                lastReport = now
                epochs.append(metrics)
                // The first reported train loss is the reference (a report may leave it out).
                if !(firstTrainLoss?.isFinite ?? false) { firstTrainLoss = metrics.trainLoss }
                let reference = firstTrainLoss ?? .nan
                var stop = false
                if let nonFinite {
                    state = .diverged
                    reason = "epoch \(metrics.epoch) reported \(nonFinite)"
                    stop = true
                } else if reference > 0, metrics.trainLoss > 1000 * reference {
                    // The built-in trainer's divergence factor; a program's loss may be 0 or negative
                    // (a log-likelihood), where "1000× the first" means nothing.
                    state = .diverged
                    reason = "epoch \(metrics.epoch): train_loss \(JSONWriter.number(metrics.trainLoss)) is above 1000× the first epoch's"
                    stop = true
                } else {
                    if scheduler.needsMetric {
                        scheduler.step(metric: scheduler.monitoredMetric(metrics))
                    } else {
                        for _ in 0..<(config.unit == .step ? config.task.stepsPerEpoch : 1) { scheduler.step() }
                    }
                    if let pruner, let value = objective.curve(epochs).last,
                       pruner.shouldPrune(trial: id, epoch: metrics.epoch, value: value), metrics.epoch < config.task.epochs {
                        state = .pruned
                        stop = true
                    }
                }
                var answer = "{\"epoch\": \(metrics.epoch), \"lr\": \(JSONWriter.number(scheduler.learningRate))"
                if let m = scheduler.momentum { answer += ", \"momentum\": \(JSONWriter.number(m))" }
                child.send(answer + ", \"stop\": \(stop)}")
                if stop {
                    // The program should exit now; it has `grace` seconds, then SIGTERM and `grace` more.
                    if !child.waitForExit(until: ContinuousClock.now.advanced(by: .seconds(grace)), onLine: log) {
                        child.terminate(grace: grace, onLine: log)
                    }
                    return
                }
            }
        }
    }

    /// Marks the trial failed with `why` and the last lines of its log.
    private mutating func fail(_ why: String) {
        state = .failed
        let tail = Self.tail(of: logPath, lines: ExternalTrialRunner.excerptLines)
        reason = why + (tail.isEmpty ? "; \(logPath) is empty" : "; last lines of \(logPath):\n" + tail)
    }

    struct ReportError: Error { var message: String }
    /// The most numbers a report may journal besides epoch and the ranked metrics, and the longest key:
    /// a trial's epochs stay in memory and its journal line bounded (about 32 KiB per epoch).
    static let maxExtraNumbers = 256
    static let maxKeyBytes = 128

    /// Reads one report's JSON object: `epoch` must be `expected` (1-based, in order, at most `limit`);
    /// numbers may be NaN/Infinity (bare or as strings). Returns the metrics (lr and seconds left 0)
    /// and the first non-finite value's key, if any.
    static func parseReport(_ text: ArraySlice<UInt8>, expected: Int, limit: Int) throws(ReportError) -> (EpochMetrics, String?) {
        let node: JSONNode
        do {
            node = try JSON5Parser.parse(utf8: text)
        } catch {
            throw ReportError(message: "the report is not JSON (\(error.location): \(error.message))")
        }
        guard case .object(let members) = node.value else {
            throw ReportError(message: "a report must be a JSON object, got \(ObjectReader.describe(node.value))")
        }
        var values: [String: Double] = [:]
        var nonFinite: String?
        for m in members {
            guard let x = try? TrialRecord.double(m.value, path: m.key) else { continue }  // non-numbers are ignored
            values[m.key] = x
            if !x.isFinite, nonFinite == nil { nonFinite = "\(m.key) = \(JSONWriter.number(x))" }
        }
        guard let e = values["epoch"], e == e.rounded(), e >= 1, e < 1e15 else {
            throw ReportError(message: "a report needs \"epoch\", a whole number >= 1, got \(members.first { $0.key == "epoch" }.map { ObjectReader.describe($0.value.value) } ?? "nothing")")
        }
        let epoch = Int(e)
        guard epoch == expected else {
            throw ReportError(message: "reported epoch \(epoch), expected epoch \(expected) (epochs are 1-based and reported in order)")
        }
        guard epoch <= limit else {
            throw ReportError(message: "reported epoch \(epoch), but task.epochs is \(limit)")
        }
        let train = values["train_loss"] ?? .nan
        var metrics = EpochMetrics(epoch: epoch, lr: 0, trainLoss: train, valLoss: values["val_loss"] ?? .nan,
                                  valAccuracy: values["val_accuracy"], seconds: 0, valR2: values["val_r2"], valMAE: values["val_mae"])
        // Any other number is journaled with the epoch (lr and seconds are lrsearch's own), within
        // bounds: the record keeps every epoch in memory and the journal holds it on one line.
        let extra = values.filter { !TrialRecord.epochKeys.contains($0.key) }
        guard extra.count <= maxExtraNumbers else {
            throw ReportError(message: "a report may carry at most \(maxExtraNumbers) numbers besides the ranked metrics, got \(extra.count)")
        }
        if let long = extra.keys.first(where: { $0.utf8.count > maxKeyBytes }) {
            throw ReportError(message: "a report's keys may be at most \(maxKeyBytes) bytes long, got \(long.utf8.count) bytes: "
                                + JSONWriter.string(long, cutAt: 40))
        }
        metrics.extra = extra
        return (metrics, nonFinite)
    }

    /// The schedule table: `step,lr` (and `momentum` when the schedule cycles it), one row per scheduler step.
    static func writeTable(_ scheduler: LRScheduler, steps: Int, to path: String) throws {
        guard let file = fopen(path, "we") else {
            throw SpawnError(description: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var s = scheduler
        let momentum = s.momentum != nil
        var chunk = momentum ? "step,lr,momentum\n" : "step,lr\n"
        for k in 0..<steps {
            chunk += "\(k),\(JSONWriter.number(s.learningRate))"
            if momentum { chunk += ",\(JSONWriter.number(s.momentum ?? .nan))" }
            chunk += "\n"
            s.step()
            if chunk.utf8.count > 60_000 || k == steps - 1 {
                guard fputs(chunk, file) >= 0 else { throw SpawnError(description: "cannot write \(path)") }
                chunk = ""
            }
        }
        if steps == 0 { fputs(chunk, file) }
    }

    /// The last `lines` lines of a file (its last 8 KiB at most), control characters but newline and tab escaped.
    static func tail(of path: String, lines: Int) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 8192 ? size - 8192 : 0)
        let data = (try? handle.readToEnd()) ?? Data()
        let text = String(decoding: data, as: UTF8.self)
        let kept = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines + 1)
        let joined = kept.joined(separator: "\n").trimmingCharacters(in: .newlines)
        return String(joined.unicodeScalars.map { s -> String in
            s == "\n" || s == "\t" || s.properties.generalCategory != .control ? String(s) : "\\u{\(String(s.value, radix: 16))}"
        }.joined())
    }
}
