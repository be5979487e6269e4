// Reading a search spec file for `run` and `validate`: syntax, meaning and data, every error located.

import Foundation
import JSON5
import Search
import Trainer

enum SpecFile {
    /// The largest spec, config or schedule file read (they are hand-written text: 64 MiB is generous).
    static let maxTextBytes = 64 << 20

    /// A spec, config or schedule file's bytes; a file that cannot be read is a usage error (exit 64) in
    /// plain words: no such file, is a directory, permission denied, too many levels of symbolic links…
    static func readText(_ path: String, what: String) throws(CLIError) -> [UInt8] {
        do {
            return try FileReader.readAll(path: path, limit: maxTextBytes)
        } catch {
            throw CLIError.input("cannot read \(what) '\(escapingControlCharacters(path))': \(error.reason)")
        }
    }

    /// A spec or config file read (at most `maxTextBytes`) and parsed as JSON5, a problem located in `path`.
    static func parse(_ path: String, what: String, showsUsage: Bool = false) throws(CLIError) -> JSONNode {
        let data = try readText(path, what: what)
        do {
            return try JSON5Parser.parse(utf8: data)
        } catch {
            throw CLIError("\(path):\(error.location): \(error.message)", showsUsage: showsUsage)
        }
    }

    /// Reads, parses and checks the spec at `path` (paths in it resolved against its folder).
    /// Every problem found is reported at once, one `file:line:col: path: message` line each.
    static func load(_ path: String) throws(CLIError) -> SearchSpec {
        try load(path, root: try parse(path, what: "spec"))
    }

    /// `load` of a spec already read and parsed from `path`.
    static func load(_ path: String, root: JSONNode) throws(CLIError) -> SearchSpec {
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let (parsed, errors) = SearchSpec.parseAll(root, defaultName: name)
        let folder = (path as NSString).deletingLastPathComponent
        var spec = parsed?.resolvingPaths(relativeTo: folder).resolvingSchedulePaths(relativeTo: folder)
        spec?.directory = folder.isEmpty ? "." : folder
        guard let spec, errors.isEmpty else {
            // Every problem at once: the trial-level check runs on what did parse.
            let data = DataCache()
            let more = spec.map { s in s.checkConfigurations { node throws(ConfigError) -> TaskKind? in try prepare(node, spec: s, data: data) } }
            throw CLIError.input(problems(errors + SpecErrors.under(errors, dropping: more ?? []), file: path))
        }
        return spec
    }

    /// Checks every family's configurations against the trainer's config rules and loads the data.
    /// Checks every probe configuration and returns the largest memory estimate among them (the probes
    /// take every range's ends and every choice, so this is the largest trial for sizes that grow
    /// with the parameters).
    @discardableResult
    static func check(_ spec: SearchSpec, file: String, data: DataCache) throws(CLIError) -> MemoryEstimate? {
        var largest: MemoryEstimate?
        let problems = spec.checkConfigurations { node throws(ConfigError) -> TaskKind? in
            if spec.isExternal { return try prepare(node, spec: spec, data: data) }
            let (config, dataset) = try data.prepare(node)
            let e = MemoryEstimate(config: config.training, dataset: dataset)
            if largest.map({ e.total(jobs: 1) > $0.total(jobs: 1) }) ?? true { largest = e }
            return dataset.task
        }
        if !problems.isEmpty { throw CLIError.input(self.problems(problems, file: file)) }
        return largest
    }

    /// Checks one probe configuration: an external task's (no data to load: the program has it; an
    /// automatic LR needs the built-in trainer), or a built-in one with its data loaded.
    static func prepare(_ node: JSONNode, spec: SearchSpec, data: DataCache) throws(ConfigError) -> TaskKind? {
        guard spec.isExternal else { return try data.prepare(node).1.task }
        if spec.lrAuto != nil {
            throw ConfigError(spec.source.value["lr"], path: "lr",
                              "{ auto: true } runs the LR range test with the built-in trainer, so it cannot be used with task.command; give a range")
        }
        let config = try ExternalTrialConfig.parse(node, baseDirectory: spec.directory)
        if let problem = config.task.programProblem(directory: spec.directory) {
            var at = node.value["task"]?.value["command"]
            if case .array(let items)? = at?.value { at = items.first }
            throw ConfigError(at, path: "task.command[0]", problem)
        }
        return nil
    }

    /// Refuses (exit 64) a plan of `jobs` trials at once that exceeds physical memory, before anything runs.
    static func checkMemory(_ estimate: MemoryEstimate?, jobs: Int, file: String) throws(CLIError) {
        guard let estimate else { return }
        do {
            try MemoryPlan.check(estimate, jobs: jobs, physical: MemoryPlan.physicalMemory)
        } catch {
            throw CLIError.input(error.field == "--jobs" ? "--jobs \(jobs): \(error.message)" : "\(file): \(error)")
        }
    }

    static func problems(_ errors: [ConfigError], file: String) -> String {
        let lines = SpecErrors(errors).rendered(file: file)
        if errors.count == 1 { return lines }
        return "\(errors.count) problems in the spec:\n" + lines
    }
}
