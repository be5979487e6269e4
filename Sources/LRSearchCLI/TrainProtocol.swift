// `lrsearch train --protocol`: lrsearch as an external trial program, the reference implementation of protocol v1.

import Foundation
import JSON5
import LRSchedules
import Search
import Trainer

/// Trains the config in `$LRSEARCH_CONFIG` in-process and speaks protocol v1 (docs/protocol.md):
/// after each epoch one `[lrsearch] {"epoch": e, "lr": …, "train_loss": …, "val_loss": …,
/// "val_accuracy": …}` line on stdout, then one answer line read from stdin; `"stop": true` (or
/// stdin closing) ends the run. A diverged run reports its last epoch too (its NaN or exploding loss
/// is how the search learns it diverged). Everything else goes to stderr, the trial's log.
enum TrainProtocol {
    static func run(path given: String?) throws -> ExitCode {
        guard let path = given ?? ProcessInfo.processInfo.environment["LRSEARCH_CONFIG"], !path.isEmpty else {
            throw CLIError("--protocol needs CONFIG or the environment variable LRSEARCH_CONFIG (set by a search)")
        }
        let text = try SpecFile.readText(path, what: "config")
        var node: JSONNode
        do {
            node = try JSON5Parser.parse(utf8: text)
        } catch {
            throw CLIError.input("\(path):\(error.location): \(error.message)")
        }
        node = builtinConfig(node)
        // Relative data paths are read from the working directory: the spec's folder, in a search.
        let (config, dataset) = try TrainCommand.loadConfig(node, baseDirectory: FileManager.default.currentDirectoryPath,
                                                          file: path, showsUsage: false)
        let scheduler: LRScheduler
        do {
            scheduler = try LRScheduler(config.schedule)
        } catch {
            throw CLIError.input("\(path): schedule: \(error)")
        }
        writeStderr(TrainCommand.describe(dataset) + "\n")
        var reported = 0
        var told = false  // the search said stop, or stdin closed
        let result = Training.run(config: config.training, dataset: dataset, schedule: scheduler, cores: .single) { m in
            reported = m.epoch
            told = !report(m)
            return told ? .stop : .continue
        }
        // A diverged run stops before its callback; its last epoch is still reported, so the search sees why.
        if result.status == .diverged, let last = result.epochs.last, last.epoch > reported, !told {
            _ = report(last)
        }
        writeStderr(TrainCommand.summary(result, divergenceFactor: config.training.divergenceFactor) + "\n")
        return .success
    }

    /// The config without the keys only the search reads (task.command, steps_per_epoch, timeout_s).
    static func builtinConfig(_ node: JSONNode) -> JSONNode {
        guard case .object(var members) = node.value,
              let i = members.firstIndex(where: { $0.key == "task" }), case .object(let task) = members[i].value.value
        else { return node }
        let dropped: Set<String> = ["command", "steps_per_epoch", "timeout_s"]
        members[i].value.value = .object(task.filter { !dropped.contains($0.key) })
        var copy = node
        copy.value = .object(members)
        return copy
    }

    /// Prints one report and reads its answer; false when told to stop (or stdin is closed or unreadable).
    static func report(_ m: EpochMetrics) -> Bool {
        var line = "[lrsearch] {\"epoch\": \(m.epoch), \"lr\": \(JSONWriter.number(m.lr)), "
            + "\"train_loss\": \(JSONWriter.number(m.trainLoss)), \"val_loss\": \(JSONWriter.number(m.valLoss))"
        if let a = m.valAccuracy { line += ", \"val_accuracy\": \(JSONWriter.number(a))" }
        if let r2 = m.valR2 { line += ", \"val_r2\": \(JSONWriter.number(r2))" }
        if let mae = m.valMAE { line += ", \"val_mae\": \(JSONWriter.number(mae))" }
        print(line + "}")
        fflush(nil)  // every stream: the report must leave before we wait for its answer
        guard let answer = readLine(strippingNewline: true),
              let node = try? JSON5Parser.parse(answer), case .object = node.value else { return false }
        if case .bool(true)? = node.value["stop"]?.value { return false }
        return true
    }
}
