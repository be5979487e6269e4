// An external trial's task (`task: { command: [...], epochs, steps_per_epoch, timeout_s }`) and its whole
// configuration resolved: the program to start, the run length, the optimizer and the schedule.

import Foundation
import JSON5
import LRSchedules
import Trainer

#if canImport(Glibc)
import Glibc
#endif

/// The task of a spec whose trials run a user's program (protocol v1, docs/protocol.md) instead of
/// the built-in trainer.
///
/// ```json5
/// task: { command: ["python3", "train.py"], epochs: 30, steps_per_epoch: 391, timeout_s: 3600,
///         schedule_unit: "epoch",   // or "step": the schedule advances per optimizer step
///         data: "cifar" }           // any other key is handed to the program in LRSEARCH_CONFIG
/// ```
public struct ExternalTask: Sendable, Equatable {
    /// argv of the program (no shell); `command[0]` is looked up in PATH when it has no '/'.
    public var command: [String]
    public var epochs: Int
    /// Optimizer steps per epoch: the schedule's length in steps for a step-unit schedule.
    public var stepsPerEpoch: Int
    /// Seconds a trial may run before it is stopped and recorded `failed` (nil: no limit).
    public var timeoutSeconds: Double?
    public var scheduleUnit: ScheduleUnit

    /// The keys lrsearch reads; every other key of the task goes to the program untouched.
    public static let keys = ["command", "epochs", "steps_per_epoch", "timeout_s", "schedule_unit"]
    /// The most scheduler steps an external trial may have: the schedule file holds one line per step.
    public static let maxScheduleRows = 10_000_000
    /// The longest `timeout_s` (about 31 years): larger values are a mistake, not a limit.
    public static let maxTimeout = 1e9

    /// Why `command[0]` cannot be started from `directory` (the spec's folder), or nil when it can:
    /// a path (with '/') must be an executable file there; a bare name must be one in `PATH`.
    public func programProblem(directory: String?) -> String? {
        let name = command[0]
        if name.contains("/") {
            let path = name.hasPrefix("/") || directory == nil ? name : directory! + "/" + name
            return Self.isExecutableFile(path) ? nil : "'\(name)' is not an executable file in \(directory.map { "the spec's folder (\($0))" } ?? "the working directory")"
        }
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        if dirs.contains(where: { Self.isExecutableFile("\($0.isEmpty ? "." : String($0))/\(name)") }) { return nil }
        return "no program '\(name)' in PATH"
    }

    /// Whether `path` is a file (after symbolic links) we may execute: a directory has X_OK too.
    static func isExecutableFile(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    /// Whether a task object names a program (has `command`).
    public static func isExternal(_ task: JSONValue) -> Bool { task["command"] != nil }

    /// Reads the task object of an external trial's config; errors name `task.<key>`.
    public static func parse(_ node: JSONNode) throws(ConfigError) -> ExternalTask {
        var t = try ObjectReader(node, path: "task")
        let commandNode = try t.required("command")
        guard case .array(let items) = commandNode.value, !items.isEmpty else {
            throw ConfigError(commandNode, path: "task.command",
                              "expected a non-empty array of strings (the program and its arguments), got \(ObjectReader.describe(commandNode.value))")
        }
        var command: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item.value, !(i == 0 && s.isEmpty), !s.unicodeScalars.contains("\0") else {
                throw ConfigError(item, path: "task.command[\(i)]",
                                  "expected a string without NUL characters\(i == 0 ? " naming the program" : ""), got \(ObjectReader.describe(item.value))")
            }
            command.append(s)
        }
        let epochs = try TrialConfig.positive(&t, "epochs", default: 20)
        guard epochs <= maxTrialEpochs else {
            throw ConfigError(t.node("epochs"), path: "task.epochs", "must be at most 1000000, got \(epochs)")
        }
        let perEpoch = try TrialConfig.positive(&t, "steps_per_epoch", default: 1)
        var timeout: Double?
        if let s = try t.double("timeout_s") {
            guard s > 0, s <= maxTimeout else {
                throw ConfigError(t.node("timeout_s"), path: "task.timeout_s",
                                  "must be a number of seconds in (0, 1e9], got \(JSONWriter.number(s))")
            }
            timeout = s
        }
        let unit = try t.choice("schedule_unit", as: ScheduleUnit.self) ?? .epoch
        return ExternalTask(command: command, epochs: epochs, stepsPerEpoch: perEpoch, timeoutSeconds: timeout,
                            scheduleUnit: unit)
    }
}

/// An external trial's configuration, resolved: what lrsearch needs to run the program and to answer it.
public struct ExternalTrialConfig: Sendable, Equatable {
    public var task: ExternalTask
    public var optimizer: OptimizerConfig
    public var schedule: ScheduleSpec
    /// The unit the schedule advances by (the schedule entry's `unit`, else `task.schedule_unit`).
    public var unit: ScheduleUnit
    public var seed: UInt64

    /// Scheduler steps of the whole run: epochs, or epochs × steps_per_epoch for a step unit.
    public var totalSteps: Int { unit == .step ? task.epochs * task.stepsPerEpoch : task.epochs }

    /// Parses a trial config whose task has `command`. The schedule's run-length defaults come from
    /// `epochs` (epoch unit) or `epochs × steps_per_epoch` (step unit), as for built-in trials.
    public static func parse(_ node: JSONNode, baseDirectory: String? = nil) throws(ConfigError) -> ExternalTrialConfig {
        var root = try ObjectReader(node, path: "")
        let seed = try TrialConfig.seed(&root, "seed")
        let taskNode = try root.required("task")
        let task = try ExternalTask.parse(taskNode)
        let (scheduleNode, entryUnit) = try ScheduleParser.splitUnit(try root.required("schedule"), path: "schedule")
        let unit = entryUnit?.unit ?? task.scheduleUnit
        let (total, overflow) = task.epochs.multipliedReportingOverflow(by: unit == .step ? task.stepsPerEpoch : 1)
        guard !overflow, total <= ExternalTask.maxScheduleRows else {
            throw ConfigError(taskNode.value["steps_per_epoch"] ?? taskNode, path: "task.steps_per_epoch",
                              "epochs × steps_per_epoch (\(task.epochs) × \(task.stepsPerEpoch)) must be at most "
                                + "10000000 scheduler steps for an external trial (its schedule file has a line per step)")
        }
        let optimizer = try TrialConfig.parseOptimizer(root.node("optimizer"), path: "optimizer")
        let schedule = try TrialConfig.parseSchedule(scheduleNode, entryUnit: entryUnit, unit: unit, totalSteps: total,
                                                     optimizer: optimizer, optimizerNode: root.node("optimizer"),
                                                     taskUnitNode: taskNode.value["schedule_unit"], baseDirectory: baseDirectory)
        try root.finish(allowed: ["seed", "task", "optimizer", "schedule"])
        return ExternalTrialConfig(task: task, optimizer: optimizer, schedule: schedule, unit: unit, seed: seed)
    }

    /// The file handed to the program (`LRSEARCH_CONFIG`): the trial's config as sampled, with the
    /// schedule resolved (every parameter written out, `unit` set) and the task's `schedule_unit`,
    /// `steps_per_epoch` written out.
    public func programConfig(_ sampled: JSONValue) -> JSONValue {
        guard case .object(var members) = sampled else { return sampled }
        var schedule = ScheduleParser.json(self.schedule)
        if case .object(var s) = schedule {
            s.removeAll { $0.key == "unit" }
            s.append(JSONMember(key: "unit", value: JSONNode(.string(unit.rawValue))))
            schedule = .object(s)
        }
        for i in members.indices {
            switch members[i].key {
            case "schedule": members[i].value = JSONNode(schedule)
            case "task":
                guard case .object(var t) = members[i].value.value else { continue }
                t.removeAll { $0.key == "steps_per_epoch" || $0.key == "schedule_unit" }
                t.append(JSONMember(key: "steps_per_epoch", value: JSONNode(.number(Double(task.stepsPerEpoch)))))
                t.append(JSONMember(key: "schedule_unit", value: JSONNode(.string(task.scheduleUnit.rawValue))))
                members[i].value = JSONNode(.object(t))
            default: break
            }
        }
        return .object(members)
    }
}

extension SearchSpec {
    /// Whether the spec's trials run a program (`task.command`) instead of the built-in trainer.
    public var isExternal: Bool { ExternalTask.isExternal(task.template.value) }
}

/// Three external trials in a row failed: the command is probably broken, so the search stops.
public struct RepeatedFailures: Error, CustomStringConvertible {
    public var count: Int
    /// The last failed trial's reason (its log excerpt).
    public var last: TrialRecord
    public var description: String {
        "\(count) trials in a row failed, so the command is probably broken; the last, trial \(last.id.index) "
            + "(repeat \(last.id.repeat)): \(last.reason ?? "no reason recorded")"
    }
    /// Consecutive failures that stop a search.
    public static let limit = 3

    public init(count: Int, last: TrialRecord) {
        self.count = count
        self.last = last
    }
}

extension ExternalTrialConfig {
    /// The config as `lrsearch export` reads a built-in one: optimizer, schedule, seed, epochs and the
    /// schedule's unit. The model and the data belong to the task's program, so `dataset` names no
    /// data set lrsearch could load and the model has no layers: nothing the export reads.
    public var exportable: TrialConfig {
        TrialConfig(dataset: .builtin("external program"),
                    training: TrainingConfig(model: ModelConfig(hidden: []), optimizer: optimizer, epochs: task.epochs,
                                             batchSize: 1, scheduleUnit: unit, seed: seed),
                    schedule: schedule)
    }
}
