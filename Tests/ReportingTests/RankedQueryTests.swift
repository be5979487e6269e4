// Re-ranking from the terminal: the JSON export (golden), sorting, filtering and their errors, sparklines.

import Foundation
import JSON5
import Reporting
import Search
import Testing

@Suite struct RankedQueryTests {
    // entryRecords(): trial 0 step (val 0.2), trial 1 cosine (two seeds, val 0.1 and 0.3), trial 2 cyclic diverged.
    let entries = rank(entryRecords(), objective: .finalValLoss)

    @Test func jsonGolden() throws {
        #expect(JSONExport.json(Array(entries.prefix(1))) == """
            [
              {
                "rank": 1,
                "trial": 0,
                "family": "step",
                "status": "ok",
                "objective": 0.2,
                "objective_std": 0,
                "repeats": 1,
                "final_train_loss": 0.25,
                "final_val_loss": 0.2,
                "final_val_accuracy": 0.95,
                "epochs": 2,
                "seconds": 1.25,
                "config": {
                  "seed": 0,
                  "task": {
                    "dataset": "iris",
                    "epochs": 2
                  },
                  "optimizer": {
                    "kind": "sgd",
                    "momentum": 0.9,
                    "weight_decay": {
                      "mode": "coupled",
                      "lambda": 0.0005
                    }
                  },
                  "schedule": {
                    "family": "step",
                    "lr": 0.1,
                    "step_size": 3,
                    "gamma": 0.41234
                  }
                }
              }
            ]

            """)
        // Non-finite numbers become null, so any JSON reader takes the whole export.
        let all = JSONExport.json(entries)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(all.utf8)) as? [[String: Any]])
        #expect(parsed.map { $0["trial"] as? Int } == [0, 1, 2])
        #expect(parsed[2]["objective"] is NSNull && parsed[2]["status"] as? String == "diverged")
        #expect(parsed[1]["objective_std"] as? Double == 0.1414213562373095)  // sample std of 0.1 and 0.3 = 0.1·√2
    }

    func order(_ column: String) throws -> [Int] { try SortColumn(parsing: column).sorted(entries).map(\.index) }

    @Test func sortingByAColumnKeepsTheRankingOrderOnTies() throws {
        #expect(try order("rank") == [0, 1, 2])
        #expect(try order("val_loss") == [1, 0, 2])   // 0.1 (trial 1's first seed), 0.2, then NaN last
        #expect(try order("val_acc") == [1, 0, 2])    // highest first: 0.97, 0.95, 0.33
        #expect(try order("seconds") == [0, 2, 1])    // 1.25, 1.25 (tie: rank order), 2.5 (two seeds)
        #expect(try order("family") == [1, 2, 0])     // cosine, cyclic, step
        #expect(try order("epochs") == [2, 0, 1])     // the diverged trial stopped after one
        #expect(try order("status") == [0, 1, 2])
    }

    @Test func unknownColumnsSuggestTheClosest() {
        #expect(throws: ReportQueryError.unknownColumn("objectve")) { try SortColumn(parsing: "objectve") }
        #expect(ReportQueryError.unknownColumn("objectve").description == "unknown column 'objectve' (did you mean 'objective'?); "
                + "columns: rank, trial, family, status, objective, lr, train_loss, val_loss, val_acc, epochs, seconds")
        #expect(ReportQueryError.unknownColumn("zzzzzz").description.hasPrefix("unknown column 'zzzzzz'; columns: rank,"))
    }

    @Test func filtersKeepTheListedFamiliesOrStatuses() throws {
        func kept(_ text: String) throws -> [Int] {
            let f = try ReportFilter(parsing: text, entries: entries)
            return entries.filter(f.keeps).map(\.index)
        }
        #expect(try kept("family=cosine") == [1])
        #expect(try kept("family=step,cosine") == [0, 1])
        #expect(try kept("status=diverged") == [2])
        #expect(try kept("status=pruned").isEmpty)
    }

    @Test func badFiltersNameTheProblemAndTheChoices() {
        #expect(throws: ReportQueryError.unknownFilterValue(key: "family", value: "cosin", valid: ["cosine", "cyclic", "step"])) {
            try ReportFilter(parsing: "family=cosin", entries: entries)
        }
        #expect(ReportQueryError.unknownFilterValue(key: "family", value: "cosin", valid: ["cosine", "cyclic", "step"]).description
                == "no family 'cosin' in these results (did you mean 'cosine'?); families: cosine, cyclic, step")
        #expect(throws: ReportQueryError.unknownFilterKey("famly")) { try ReportFilter(parsing: "famly=cosine", entries: entries) }
        #expect(ReportQueryError.unknownFilterKey("famly").description == "unknown key 'famly' (did you mean 'family'?); keys: family, status")
        #expect(throws: ReportQueryError.malformedFilter("cosine")) { try ReportFilter(parsing: "cosine", entries: entries) }
        #expect(throws: ReportQueryError.malformedFilter("family=")) { try ReportFilter(parsing: "family=", entries: entries) }
        #expect(throws: ReportQueryError.unknownFilterValue(key: "status", value: "done", valid: ["ok", "diverged", "pruned", "failed"])) {
            try ReportFilter(parsing: "status=done", entries: entries)
        }
    }

    @Test func sparklinesScaleEachLineToItsOwnRange() {
        #expect(Sparkline.line([3, 2, 1, .nan]) == "█▅▁ ")  // 2 sits at 3.5 of 7 steps, rounded up to ▅
        #expect(Sparkline.line([2, 2]) == "▄▄")
        #expect(Sparkline.line([]) == "")
        #expect(Sparkline.line([.nan]) == " ")
        // Trial 0: val 0.3 then 0.2; trial 1 (first seed): 0.15 then 0.1.
        #expect(Sparkline.valLoss(entries, top: 2) == """
            validation loss per epoch (each line from its own min ▁ to max █):
              #1 trial 0  step     0.3 █▁ 0.2
              #2 trial 1  cosine  0.15 █▁ 0.1
            """)
        #expect(Sparkline.valLoss([], top: 5) == "")
    }
}
