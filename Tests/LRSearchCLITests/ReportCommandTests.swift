// `lrsearch report DIR`, run as a user would: re-ranking, formats, --html, and errors with their exact text.

import Foundation
import TestSupport
import Testing

/// A scratch folder holding results/tiny/ from one run of the tiny spec.
func tinyResults() throws -> URL {
    let dir = try scratch(["tiny.json5": tinySpec])
    let r = try runLRSearch(["run", "tiny.json5", "--quiet"], in: dir)
    #expect(r.status == 0, "\(r.stderr)")
    return dir
}

let reportUsage = "Usage: lrsearch report DIR [--top K] [--sort COLUMN] [--filter KEY=VALUE] [--format FORMAT] [--html]\n"
    + "  See 'lrsearch help' for more.\n"

@Suite struct ReportCommandTests {
    @Test func reRanksSortsAndFiltersWithoutRunning() throws {
        let dir = try tinyResults()
        let journal = dir.appendingPathComponent("results/tiny/trials.jsonl")
        let before = try String(contentsOf: journal, encoding: .utf8)
        let all = try runLRSearch(["report", "results/tiny"], in: dir)
        #expect(all.status == 0 && all.stderr == "")
        let lines = all.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0].hasPrefix("tiny: 6 configurations (6 ok), ranked by final_val_loss (lower is better)"))
        #expect(lines[2].hasPrefix("rank  trial  family"))
        #expect(all.stdout.contains("validation loss per epoch"))

        let top = try runLRSearch(["report", "results/tiny", "--top", "2", "--sort", "family"], in: dir)
        let rows = top.stdout.split(separator: "\n").map(String.init).filter { $0.first == " " && $0.contains(" ok ") && !$0.contains("#") }
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0.contains(" cosine ") })  // cosine sorts before step

        let csv = try runLRSearch(["report", "results/tiny", "--filter", "family=step", "--format", "csv"], in: dir)
        let csvRows = csv.stdout.components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }
        let stepTrials = before.split(separator: "\n").filter { $0.hasPrefix("{\"op\":\"trial\"") && $0.contains("\"family\":\"step\"") }.count
        #expect(csvRows.count == stepTrials && stepTrials > 0)
        #expect(csvRows.allSatisfy { $0.split(separator: ",")[2] == "step" })
        #expect(try String(contentsOf: journal, encoding: .utf8) == before)  // nothing ran
    }

    @Test func printsMarkdownAndJSON() throws {
        let dir = try tinyResults()
        let md = try runLRSearch(["report", "results/tiny", "--format", "md", "--top", "1"], in: dir)
        #expect(md.stdout.hasPrefix("| rank | trial | family | schedule | lr | weight decay | objective |"))
        #expect(md.stdout.split(separator: "\n").count == 3)  // header, alignment, one row
        let json = try runLRSearch(["report", "results/tiny", "--format", "json", "--top", "1"], in: dir)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(parsed.count == 1 && parsed[0]["rank"] as? Int == 1 && parsed[0]["status"] as? String == "ok")
    }

    @Test func writesTheHTMLReportOnlyWhenAsked() throws {
        let dir = try tinyResults()
        let html = dir.appendingPathComponent("results/tiny/report.html")
        try FileManager.default.removeItem(at: html)
        #expect(try runLRSearch(["report", "results/tiny"], in: dir).status == 0)
        #expect(!FileManager.default.fileExists(atPath: html.path))
        let r = try runLRSearch(["report", "results/tiny", "--html", "--top", "1"], in: dir)
        #expect(r.status == 0)
        // Four main plots and one per sampled parameter: lr and step's gamma.
        #expect(r.stderr == "wrote results/tiny/report.html and 6 SVG files\n")
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(page.contains("<h1>lrsearch report: tiny</h1>") && page.contains("<td>random</td>"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("results/tiny/param-2-gamma-step.svg").path))
    }

    @Test func aVersion1JournalStillReports() throws {
        let fixture = packageRoot().appendingPathComponent("Tests/SearchTests/Fixtures/journal-v1.jsonl")
        let dir = try scratch()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("old"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture, to: dir.appendingPathComponent("old/trials.jsonl"))
        let r = try runLRSearch(["report", "old", "--html"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("fixture: 2 configurations (1 ok, 1 diverged), ranked by final_val_loss (lower is better)\n"))
        let page = try String(contentsOf: dir.appendingPathComponent("old/report.html"), encoding: .utf8)
        #expect(page.contains("<tr><th>sampler</th><td>not recorded</td></tr>"))
    }

    @Test func badInputNamesTheFileOrFlagAndExits64() throws {
        let dir = try tinyResults()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("empty"), withIntermediateDirectories: true)
        let cases: [([String], String)] = [
            (["report", "nope"], "Error: nope: no such folder (expected a results folder written by 'lrsearch run')\n"),
            (["report", "empty"], "Error: empty/trials.jsonl: no such file (DIR must hold the trials.jsonl that 'lrsearch run' writes)\n"),
            (["report", "results/tiny", "--sort", "objectve"],
             "Error: --sort: unknown column 'objectve' (did you mean 'objective'?); columns: rank, trial, family, status, "
                + "objective, lr, train_loss, val_loss, val_acc, epochs, seconds\n" + reportUsage),
            (["report", "results/tiny", "--filter", "family=cosin"],
             "Error: --filter: no family 'cosin' in these results (did you mean 'cosine'?); families: cosine, step\n" + reportUsage),
            (["report", "results/tiny", "--filter", "famly=step"],
             "Error: --filter: unknown key 'famly' (did you mean 'family'?); keys: family, status\n" + reportUsage),
            (["report", "results/tiny", "--format", "jsn"],
             "Error: --format: unknown format 'jsn' (did you mean 'json'?); formats: table, md, csv, json\n" + reportUsage),
            (["report", "results/tiny", "--top", "0"], "Error: --top must be >= 1, got 0\n" + reportUsage),
            (["report"], "Error: missing argument <DIR>\n" + reportUsage),
        ]
        for (args, expected) in cases {
            let r = try runLRSearch(args, in: dir)
            #expect(r.status == 64, "\(args)")
            #expect(r.stderr == expected, "\(args)")
            #expect(r.stdout == "", "\(args)")
        }
        let journal = dir.appendingPathComponent("results/tiny/trials.jsonl")
        var text = try String(contentsOf: journal, encoding: .utf8)
        text = text.replacingOccurrences(of: "\n{\"op\":\"trial\"", with: "\ngarbage\n{\"op\":\"trial\"", options: [], range: text.range(of: "\n{\"op\":\"trial\""))
        try text.write(to: journal, atomically: true, encoding: .utf8)
        let corrupt = try runLRSearch(["report", "results/tiny"], in: dir)
        #expect(corrupt.status == 64)
        #expect(corrupt.stderr == "Error: results/tiny/trials.jsonl:2: the journal is corrupt: expected a value, found 'garbage' (strings need quotes)\n")
    }

    @Test func helpDescribesTheCommand() throws {
        let r = try runLRSearch(["help", "report"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("OVERVIEW: Re-rank a search's results without re-running it; rewrite its HTML report.\n"))
        #expect(r.stdout.contains("USAGE: lrsearch report DIR [--top K] [--sort COLUMN] [--filter KEY=VALUE] [--format FORMAT] [--html]"))
        #expect(try runLRSearch(["--help"]).stdout.contains("  report                Re-rank a search's results"))
    }
}
