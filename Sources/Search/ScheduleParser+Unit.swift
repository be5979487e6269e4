// A schedule entry's own `unit` ("epoch" | "step"), which overrides the task's schedule_unit.

import JSON5
import Trainer

extension ScheduleParser {
    /// The schedule object without its `unit` key, and that unit with its node (nil when absent).
    /// `unit` belongs to the trial, not the schedule: it says how often the trainer steps it, so a
    /// search can hold per-batch one-cycle and per-epoch step decay side by side.
    public static func splitUnit(_ node: JSONNode, path: String) throws(ConfigError)
        -> (schedule: JSONNode, unit: (unit: ScheduleUnit, node: JSONNode)?)
    {
        guard case .object(var members) = node.value, let i = members.firstIndex(where: { $0.key == "unit" }) else {
            return (node, nil)
        }
        let unitNode = members[i].value
        let valid = ScheduleUnit.allCases.map(\.rawValue)
        guard case .string(let name) = unitNode.value, let unit = ScheduleUnit(rawValue: name) else {
            throw ConfigError(unitNode, path: joinPath(path, "unit"),
                              "expected one of \(valid.map { "\"\($0)\"" }.joined(separator: ", ")), got "
                                + ObjectReader.describe(unitNode.value))
        }
        members.remove(at: i)
        var stripped = node
        stripped.value = .object(members)
        return (stripped, (unit, unitNode))
    }
}
