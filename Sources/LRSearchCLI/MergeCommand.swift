// `lrsearch merge DIR... --out DIR`: the shard folders of one search combined into one results folder.

import Foundation
import LRSearchKit
import Reporting
import Search

extension LRSearch {
    static let merge = CommandSpec(
        name: "merge", abstract: "Combine the shard folders of one search into one results folder and rank them.",
        discussion: """
            Reads DIR/trials.jsonl of each shard folder ('lrsearch run --shard I/N' or --shard auto), \
            checks that they hold one search (the same spec hash, so the same spec, seed and epochs; \
            otherwise the error names the folders of each hash), keeps each trial once (a trial found \
            in two folders with the same results, times aside, is kept once; different results for one \
            trial are an error naming both folders) and writes the same files as 'lrsearch run': \
            trials.jsonl (which 'lrsearch report' and 'lrsearch run SPEC --resume --out DIR' accept), \
            ranked.md, ranked.csv, best.json and report.html. If the output folder already holds a \
            journal of this search (an earlier merge), its trials are merged too, so merging again \
            after more shards finished is safe. It then says which trials no folder holds, and how to \
            run them. Exit 0 even when trials are missing; 64 for folders that do not merge.
            """,
        positionals: [PositionalSpec("DIR", help: "Shard results folders (each holding trials.jsonl).", repeating: true)],
        options: [
            OptionSpec("--out", "DIR", help: "The merged results folder (default: results/<name>)."),
            OptionSpec("--top", "K", help: "Rows of the ranked table to print (default 20)."),
        ],
        run: { args in try MergeCommand.run(args) })
}

enum MergeCommand {
    static func run(_ args: ParsedArguments) throws -> ExitCode {
        let folders = args.positionals
        let top = try args.int("--top", min: 1) ?? 20
        let out: String
        if let given = args.string("--out") {
            out = given
        } else {
            // The search's own name, from the first folder's journal (as `run` names its folder).
            let path = ((folders.first ?? ".") as NSString).appendingPathComponent("trials.jsonl")
            guard let info = (try? Journal.replay(path: path))??.info else {
                throw CLIError.input("\(path): cannot read the search's name from it; pass --out DIR")
            }
            out = "results/\(info.name)"
        }
        try RunCommand.checkOutFolder(out)
        let merged: ShardMerge.Merged
        do {
            merged = try ShardMerge.merge(folders, into: out)
        } catch {
            if case .write = error { throw CLIError(error.description, code: .failure) }
            throw CLIError.input(error.description)
        }
        let ranked = merged.written.ranked
        let objective = merged.written.report.objective
        let shown = escapingControlCharacters(out)
        var head = "merged \(folders.count) folder\(folders.count == 1 ? "" : "s"): \(merged.records.count) trial"
        head += merged.records.count == 1 ? "" : "s"
        if merged.duplicates > 0 { head += " (\(merged.duplicates) found twice with the same results, kept once)" }
        print(escapingControlCharacters(head) + " → \(shown)/")
        if !ranked.isEmpty {
            print("")
            print(escapingControlCharacters(RankedTable(ranked, objective: objective, top: top).terminal(), keepingNewlines: true))
            if ranked.count > top { print("… \(ranked.count - top) more in \(shown)/ranked.md") }
            if let best = ranked.first, best.mean.isFinite {
                print("\nbest: trial \(best.index) (\(best.representative.family.rawValue)), \(objective.rawValue) \(formatNumber(best.mean))")
            }
        }
        print("results: \(shown)/ (report.html, ranked.md, ranked.csv, best.json, trials.jsonl)")
        if let reason = merged.written.noValueReason { writeStderr("warning: \(reason)\n") }
        for w in merged.written.warnings { writeStderr("warning: \(w)\n") }
        writeStderr(missingText(merged.missing, out: out, name: merged.info.name))
        return .success
    }

    /// Which trials no folder holds, and the commands that run them.
    static func missingText(_ missing: ShardMerge.Missing?, out: String, name: String) -> String {
        // Folder names escaped where they go (the text keeps its own newlines): a newline in a folder name
        // would split a suggested command over two lines.
        let out = escapingControlCharacters(out), name = escapingControlCharacters(name)
        guard let missing else {
            return "note: these journals do not record the search's size (written by an older lrsearch), "
                + "so missing trials cannot be listed; `lrsearch run SPEC --resume --out \(out)` runs any that are missing\n"
        }
        guard missing.count > 0 else { return "complete: every trial of the search is in \(out)/trials.jsonl\n" }
        let trials = missing.overrideFlags
        // Only when configurations × repeats overflow (an edited journal) are none listed: no true count to give.
        guard !missing.first.isEmpty else {
            return escapingControlCharacters("missing: more than 2^63 trials no folder holds (the journals record more "
                + "configurations × repeats than that); check their start records\n", keepingNewlines: true)
        }
        var text = "missing: \(missing.count) trial\(missing.count == 1 ? "" : "s") no folder holds"
        // Trial numbers, or trial.repeat when repeats are missing.
        let repeats = missing.first.contains { $0.repeat > 0 }
        text += " (" + missing.first.map { repeats ? "\($0.index).\($0.repeat)" : String($0.index) }.joined(separator: ", ")
        text += missing.count > missing.first.count ? ", …)\n" : ")\n"
        if let n = missing.shardCount {
            for s in missing.byShard.prefix(20) {
                let folder = s.folder.map { escapingControlCharacters($0) } ?? "results/\(name)/shard-\(s.shard)-of-\(n)"
                text += "  shard \(s.shard)/\(n): \(s.count) missing"
                text += s.folder == nil ? " (no folder of this shard was merged)" : " in \(folder)"
                text += "; run `lrsearch run SPEC\(trials) --shard \(s.shard)/\(n) --out \(folder)` (it resumes), then merge again\n"
            }
            if missing.byShard.count > 20 { text += "  … and \(missing.byShard.count - 20) more shards\n" }
        }
        text += "or run every missing trial here: `lrsearch run SPEC\(trials) --resume --out \(out)`\n"
        return escapingControlCharacters(text, keepingNewlines: true)
    }
}
