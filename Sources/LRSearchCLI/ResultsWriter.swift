// Prints a search's ranking (the results folder itself is written by LRSearchKit's `ResultsFolder`).

import Foundation
import LRSearchKit
import Reporting
import Search

enum ResultsWriter {
    /// Prints the top `top` rows of what `ResultsFolder.write` ranked, the best trial and the warnings.
    /// When no trial has a finite objective it prints no ranking and returns why (the run then fails with it).
    static func print(_ written: ResultsFolder.Written, spec: SearchSpec, outDir: String, top: Int, quiet: Bool) -> String? {
        let ranked = written.ranked
        guard !ranked.isEmpty else {
            if !quiet { writeStderr("No trial finished; nothing to rank.\n") }
            return nil
        }
        if let reason = written.noValueReason { return reason }
        if let range = spec.lrRange { Swift.print(range.summary) }
        // Journaled text (a config's strings) reaches the terminal escaped, like every message.
        Swift.print(escapingControlCharacters(RankedTable(ranked, objective: spec.objective, top: top).terminal(), keepingNewlines: true))
        let shownDir = escapingControlCharacters(outDir)
        if ranked.count > top { Swift.print("… \(ranked.count - top) more in \(shownDir)/ranked.md") }
        Swift.print("\n" + Sparkline.valLoss(ranked))
        if let best = ranked.first, best.mean.isFinite {
            Swift.print("\nbest: trial \(best.index) (\(best.representative.family.rawValue)), \(spec.objective.rawValue) "
                  + formatNumber(best.mean) + (best.records.count > 1 ? " ± " + formatNumber(best.std) : ""))
            Swift.print("results: \(shownDir)/ (report.html, ranked.md, ranked.csv, best.json, trials.jsonl)")
            if spec.isExternal {  // best.json names the program; what it was given is in the trial's folder
                let id = best.representative.id
                Swift.print("the best's program config: \(shownDir)/trials/\(id.index).\(id.repeat)/config.json")
            } else {
                Swift.print("rerun the best: lrsearch train \(shownDir)/best.json")
            }
        }
        for w in written.warnings { writeStderr("warning: \(w)\n") }
        return nil
    }
}
