// Reading a search spec file for `run` and `validate`: syntax, meaning and data, every error located.

import Foundation
import JSON5
import Search

enum SpecFile {
    /// Reads, parses and checks the spec at `path` (paths in it resolved against its folder).
    /// Every problem found is reported at once, one `file:line:col: path: message` line each.
    static func load(_ path: String) throws(CLIError) -> SearchSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read it" : "no such file"
            throw CLIError.input("cannot read spec '\(path)': \(reason)")
        }
        let root: JSONNode
        do {
            root = try JSON5Parser.parse(utf8: data)
        } catch {
            throw CLIError.input("\(path):\(error.location): \(error.message)")
        }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        do {
            let spec = try SearchSpec.parse(root, defaultName: name)
            return spec.resolvingPaths(relativeTo: (path as NSString).deletingLastPathComponent)
        } catch {
            throw CLIError.input(problems(error.errors, file: path))
        }
    }

    /// Checks every family's configurations against the trainer's config rules and loads the data.
    static func check(_ spec: SearchSpec, file: String, data: DataCache) throws(CLIError) {
        let problems = spec.checkConfigurations { node throws(ConfigError) in _ = try data.prepare(node) }
        if !problems.isEmpty { throw CLIError.input(self.problems(problems, file: file)) }
    }

    static func problems(_ errors: [ConfigError], file: String) -> String {
        let lines = SpecErrors(errors).rendered(file: file)
        if errors.count == 1 { return lines }
        return "\(errors.count) problems in the spec:\n" + lines
    }
}
