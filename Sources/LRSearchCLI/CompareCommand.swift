// `lrsearch compare A B [C…]`: searches side by side — trials, wall time, best overall and best per family.

import Foundation
import Reporting
import Search

extension LRSearch {
    static let compare = CommandSpec(
        name: "compare", abstract: "Put two or more searches side by side: best per family, best overall, trials and wall time.",
        discussion: """
            Reads each folder's trials.jsonl (as 'lrsearch report' does) and prints one row per search \
            (its trials by status, the wall time of its runs — for a merged search the longest \
            shard's — with a + when a run did not end cleanly, and its best trial), then the best value \
            of each schedule family in each search, and the best search overall. Values are each \
            search's own objective; searches ranked by different objectives are shown, but no best \
            overall is named. Nothing is written.
            """,
        positionals: [PositionalSpec("DIR", help: "Two or more results folders (each holding trials.jsonl).", repeating: true)],
        options: [OptionSpec("--format", "FORMAT", help: "table (default) or md.")],
        run: { args in try CompareCommand.run(args) })
}

enum CompareCommand {
    static func run(_ args: ParsedArguments) throws -> ExitCode {
        guard args.positionals.count >= 2 else {
            throw CLIError("compare needs at least two results folders, got \(args.positionals.count)")
        }
        let format = args.string("--format") ?? "table"
        guard format == "table" || format == "md" else {
            throw CLIError("--format: unknown format '\(format)'; formats: table, md")
        }
        var columns: [SearchComparison.Column] = []
        for dir in args.positionals {
            columns.append(SearchComparison.Column(label: dir, report: try ReportCommand.load(dir)))
        }
        let comparison = SearchComparison(columns)
        let text = format == "md" ? comparison.markdown() : comparison.terminal()
        FileHandle.standardOutput.write(Data(escapingControlCharacters(text, keepingNewlines: true).utf8))
        return .success
    }
}
