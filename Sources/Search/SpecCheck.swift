// Checks a spec's meaning before anything runs: every family's configurations parse and load.

import Foundation
import JSON5
import Trainer

extension SearchSpec {
    /// Relative `task.dataset.csv` paths made absolute against `directory` (the spec file's folder),
    /// so trials, best.json and resumed runs find the file from wherever they run.
    public func resolvingPaths(relativeTo directory: String) -> SearchSpec {
        guard case .object(var members) = task.template.value,
              let i = members.firstIndex(where: { $0.key == "dataset" }),
              case .object(var dataset) = members[i].value.value,
              let j = dataset.firstIndex(where: { $0.key == "csv" }),
              case .string(let path) = dataset[j].value.value, !path.hasPrefix("/")
        else { return self }
        let dir = directory.isEmpty ? "." : directory
        var absolute = dir.hasPrefix("/") ? dir : FileManager.default.currentDirectoryPath + "/" + dir
        absolute += "/" + path
        dataset[j].value.value = .string(absolute)
        members[i].value.value = .object(dataset)
        var copy = self
        copy.task.template.value = .object(members)
        return copy
    }

    /// Builds probe configurations of every schedule entry — every parameter at the low end, the
    /// middle and the high end of its range, and each choice in turn — and parses each as a trial
    /// would (`prepare`, which also loads the data). Returns every distinct problem, with the
    /// spec's field path (`schedules[2].gamma`, `lr`) and the place it was written.
    public func checkConfigurations(prepare: (JSONNode) throws(ConfigError) -> Void) -> [ConfigError] {
        checkConfigurations { node throws(ConfigError) -> TaskKind? in try prepare(node); return nil }
    }

    /// As above, with `prepare` returning the task the data set defines (nil when unknown), so that an
    /// objective the task cannot compute (`final_val_accuracy` on regression) is one of the problems.
    public func checkConfigurations(prepare: (JSONNode) throws(ConfigError) -> TaskKind?) -> [ConfigError] {
        var problems: [ConfigError] = []
        var seen = Set<String>()
        let common = commonParameters
        for (s, space) in schedules.enumerated() {
            let family = space.template.parameters
            let width = max(3, (common + family).map { p -> Int in
                if case .choice(let v) = p.distribution { return v.count }
                return 1
            }.max() ?? 1)
            for probe in 0..<width {
                func value(_ p: Parameter) -> JSONValue {
                    if case .choice(let v) = p.distribution { return v[probe % v.count] }
                    let u = [0, 0.5, 0.999_999_999][probe % 3]
                    return p.distribution.value(at: u)
                }
                let point = TrialPoint(index: 0, schedule: s, common: common.map(value), family: family.map(value))
                func note(_ error: ConfigError) {
                    let mapped = specError(error, space: space)
                    // One problem per field: the probes of one range fail alike.
                    if seen.insert("\(mapped.path)@\(mapped.location.map(\.description) ?? "")").inserted {
                        problems.append(mapped)
                    }
                }
                let config = trialConfig(point, seed: 0)
                do {
                    if let task = try prepare(config), let problem = objectiveProblem(task, config: config) { note(problem) }
                } catch {
                    note(error)
                    moreSectionProblems(config, after: error, note: note)
                    checkSectionsAlone(config, after: error, note: note)
                }
            }
        }
        return problems
    }

    /// The problem with ranking this task's trials by `objective`, if it does not compute there.
    func objectiveProblem(_ task: TaskKind, config: JSONNode) -> ConfigError? {
        let kind: ObjectiveTask = task.isClassification ? .classification : .regression
        guard !objective.tasks.contains(kind) else { return nil }
        let fitting = Objective.allCases.filter { $0.tasks.contains(kind) }.map(\.rawValue)
        let dataset = config.value["task"]?.value["dataset"].map { JSONWriter.compact($0.value) } ?? "?"
        let target = kind == .regression ? "a numeric target" : "class labels"
        return ConfigError(source.value["objective"], path: "objective",
                           "\(objective.rawValue) is not computed for a \(kind.rawValue) task (task.dataset \(dataset) "
                           + "has \(target)); use one of \(fitting.joined(separator: ", "))")
    }

    /// A trial config stops at its first problem. When that was in the task, the optimizer is checked
    /// alone; when it was in the task or the optimizer, the schedule is checked alone, with the task's
    /// epochs (if readable) as the run length and the optimizer's momentum and weight decay (0 when
    /// unreadable) for the weight-decay conversions.
    private func checkSectionsAlone(_ config: JSONNode, after error: ConfigError, note: (ConfigError) -> Void) {
        guard !error.path.hasPrefix("schedule") else { return }
        var optimizer: OptimizerConfig?
        if error.path.hasPrefix("task") {
            do throws(ConfigError) {
                optimizer = try TrialConfig.parseOptimizer(config.value["optimizer"], path: "optimizer")
            } catch {
                note(error)
                moreSectionProblems(config, after: error, note: note)
            }
        } else if !error.path.hasPrefix("optimizer") {
            optimizer = try? TrialConfig.parseOptimizer(config.value["optimizer"], path: "optimizer")
        }
        guard let entry = config.value["schedule"] else { return }
        let schedule = (try? ScheduleParser.splitUnit(entry, path: "schedule"))?.schedule ?? entry
        var defaults = ScheduleDefaults(totalSteps: 20, weightDecay: 0, momentum: optimizer?.momentum ?? 0)
        if case .number(let e)? = config.value["task"]?.value["epochs"]?.value, e >= 1, e < 1e9 { defaults.totalSteps = Int(e) }
        if case .coupled(let lambda)? = optimizer?.weightDecay { defaults.weightDecay = lambda }
        do throws(ConfigError) {
            _ = try ScheduleParser.parse(schedule, path: "schedule", defaults: defaults)
        } catch {
            note(error)
        }
    }

    /// A section (task or optimizer) stops at its first problem too. Its later problems are found by
    /// taking out the field at fault and checking the section again, alone (the other sections
    /// replaced by plain valid ones), until it passes, the fault cannot be taken out (an array
    /// element, a missing field) or 16 rounds have passed.
    private func moreSectionProblems(_ config: JSONNode, after error: ConfigError, note: (ConfigError) -> Void) {
        guard let section = ["task", "optimizer"].first(where: { error.path == $0 || error.path.hasPrefix($0 + ".") }),
              var node = config.value[section] else { return }
        if section == "task", ExternalTask.isExternal(node.value) { return }  // its one problem is all there is
        var last = error
        var removed: Set<String> = []
        for _ in 0..<16 {
            guard var target = Self.keyPath(of: last, in: section) else { return }
            let key = target.removeLast()
            guard removed.insert(([section] + target + [key]).joined(separator: ".")).inserted,
                  let next = Self.removing(key, at: target[...], from: node) else { return }
            node = next
            if section == "task", target.isEmpty, key == "dataset", case .object(var members) = node.value {
                members.insert(JSONMember(key: "dataset", value: JSONNode("iris")), at: 0)  // required: a stand-in
                node.value = .object(members)
            }
            var alone: [JSONMember] = [JSONMember(key: "task", value: JSONNode(["dataset": "iris"])),
                                       JSONMember(key: "schedule", value: JSONNode(["family": "constant", "lr": 0.1]))]
            if section == "task" { alone[0].value = node } else { alone.append(JSONMember(key: "optimizer", value: node)) }
            do throws(ConfigError) {
                _ = try TrialConfig.parse(JSONNode(.object(alone)), trainRows: 100)
                return
            } catch {
                // A field taken out that is now missing is the same problem again.
                guard error.path.hasPrefix(section), !removed.contains(error.path) else { return }
                note(error)
                last = error
            }
        }
    }

    /// The keys leading to the field an error is about, below `section`: `task.model.activation` →
    /// [model, activation]; an unknown key names its object, so the key is taken from the message.
    /// nil for array elements and anything else that cannot be taken out.
    static func keyPath(of error: ConfigError, in section: String) -> [String]? {
        guard !error.path.contains("[") else { return nil }
        var keys = error.path.split(separator: ".").map(String.init).dropFirst().map { $0 }
        let prefix = "unknown key '"
        if error.message.hasPrefix(prefix) {
            let rest = error.message.dropFirst(prefix.count)
            guard let end = rest.firstIndex(of: "'") else { return nil }
            keys.append(String(rest[..<end]))
        }
        return keys.isEmpty ? nil : keys
    }

    /// `node` without the member `key` of the object at `path` (nil when there is no such member).
    static func removing(_ key: String, at path: ArraySlice<String>, from node: JSONNode) -> JSONNode? {
        guard case .object(var members) = node.value else { return nil }
        var copy = node
        if let first = path.first {
            guard let i = members.firstIndex(where: { $0.key == first }),
                  let inner = removing(key, at: path.dropFirst(), from: members[i].value) else { return nil }
            members[i].value = inner
        } else {
            guard let i = members.firstIndex(where: { $0.key == key }) else { return nil }
            members.remove(at: i)
        }
        copy.value = .object(members)
        return copy
    }

    /// Maps an error about a trial config (`schedule.gamma`) to the spec field it came from.
    func specError(_ error: ConfigError, space: ScheduleSpace) -> ConfigError {
        var e = error
        if e.path == "schedule" || e.path.hasPrefix("schedule.") || e.path.hasPrefix("schedule[") {
            let rest = String(e.path.dropFirst("schedule".count))
            let key = rest.hasPrefix(".") ? String(rest.dropFirst()) : rest
            let base = Self.baseLRKey(family: space.family)
            if key == base, !space.template.template.value.hasKey(base) {
                e.path = "lr"
            } else {
                e.path = space.path + rest
            }
            if e.location == nil { e.location = space.template.template.location }
        }
        return e
    }
}

extension JSONValue {
    func hasKey(_ key: String) -> Bool {
        if case .object(let members) = self { return members.contains { $0.key == key } }
        return false
    }
}
