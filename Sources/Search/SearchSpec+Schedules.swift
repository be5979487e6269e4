// What a spec's schedule entries need besides sampling: table files found from the spec's folder, and
// the one-line note `validate` prints about how an entry is stepped.

import Foundation
import JSON5
import LRSchedules

extension SearchSpec {
    /// Relative `csv` paths of `table` schedules (at any depth of an entry) made absolute against
    /// `directory` (the spec file's folder), so trials and best.json find the file from anywhere.
    public func resolvingSchedulePaths(relativeTo directory: String) -> SearchSpec {
        let dir = directory.isEmpty ? "." : directory
        let absolute = dir.hasPrefix("/") ? dir : FileManager.default.currentDirectoryPath + "/" + dir
        var copy = self
        for i in copy.schedules.indices {
            Self.resolveTables(&copy.schedules[i].template.template, in: absolute)
        }
        return copy
    }

    private static func resolveTables(_ node: inout JSONNode, in directory: String) {
        switch node.value {
        case .object(var members):
            let isTable = members.contains { $0.key == "family" && $0.value.value == .string(ScheduleFamily.table.rawValue) }
            for j in members.indices {
                if isTable, members[j].key == "csv", case .string(let path) = members[j].value.value, !path.hasPrefix("/") {
                    members[j].value.value = .string(ScheduleParser.resolve(path, in: directory))
                } else {
                    resolveTables(&members[j].value, in: directory)
                }
            }
            node.value = .object(members)
        case .array(var elements):
            for j in elements.indices { resolveTables(&elements[j], in: directory) }
            node.value = .array(elements)
        default:
            return
        }
    }
}

extension ScheduleSpace {
    /// What `validate` says under the entry when it differs from the rest: plateau steps once per
    /// epoch on its monitored metric; an entry's own `unit`; piecewise and table ignore the spec's `lr`.
    public var note: String? {
        guard case .object(let members) = template.template.value else { return nil }
        func fixed(_ key: String) -> String? {
            guard let m = members.first(where: { $0.key == key }) else { return nil }
            if case .string(let s) = m.value.value, !template.parameters.contains(where: { $0.path == [.key(key)] }) {
                return s
            }
            return "the sampled \(key)"
        }
        if family == .plateau {
            let monitor = fixed("monitor") ?? "val_loss"
            return "steps once per epoch on \(monitor == "val_loss" ? "the validation loss (val_loss)" : monitor), "
                + "whatever the schedule unit"
        }
        if family == .piecewise || family == .table { return "gives its LRs outright (the spec's lr is not used)" }
        if let unit = fixed("unit") { return "stepped per \(unit) (its own unit)" }
        return nil
    }
}
