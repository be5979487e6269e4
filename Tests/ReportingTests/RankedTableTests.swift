// Golden outputs of the ranked table in its three formats, from hand-built records.

import JSON5
import enum LRSchedules.ScheduleFamily
import Reporting
import Search
import Testing
import Trainer

func entryRecords() -> [TrialRecord] {
    func rec(_ i: Int, _ rep: Int, family: String, extra: [(String, JSONValue)], loss: Double, acc: Double?,
             state: TrialStatus = .ok, wd: JSONValue = nil) -> TrialRecord {
        var schedule: [(String, JSONValue)] = [("family", .string(family)), ("lr", 0.1)]
        schedule += extra
        var optimizer: [(String, JSONValue)] = [("kind", "sgd"), ("momentum", 0.9)]
        if wd != nil { optimizer.append(("weight_decay", wd)) }
        func object(_ pairs: [(String, JSONValue)]) -> JSONValue {
            .object(pairs.map { JSONMember(key: $0.0, value: JSONNode($0.1)) })
        }
        let config = object([("seed", .number(Double(i))), ("task", ["dataset": "iris", "epochs": 2]),
                             ("optimizer", object(optimizer)), ("schedule", object(schedule))])
        let epochs = [EpochMetrics(epoch: 1, lr: 0.1, trainLoss: loss * 2, valLoss: loss * 1.5, valAccuracy: acc, seconds: 0.5),
                      EpochMetrics(epoch: 2, lr: 0.05, trainLoss: loss * 1.25, valLoss: loss, valAccuracy: acc, seconds: 0.75)]
        return TrialRecord(id: TrialID(index: i, repeat: rep), seed: UInt64(i), sampled: config, family: ScheduleFamily(rawValue: family) ?? .constant, state: state,
                           epochs: state == .diverged ? [epochs[0]] : epochs, seconds: 1.25)
    }
    return [
        rec(0, 0, family: "step", extra: [("step_size", 3), ("gamma", 0.41234)], loss: 0.2, acc: 0.95,
            wd: ["mode": "coupled", "lambda": 0.0005]),
        rec(1, 0, family: "cosine", extra: [], loss: 0.1, acc: 0.97, wd: ["mode": "new", "lambda_new": 1e-5]),
        rec(2, 0, family: "cyclic", extra: [("mode", "exp_range")], loss: .nan, acc: 0.33, state: .diverged),
        rec(1, 1, family: "cosine", extra: [], loss: 0.3, acc: 0.93, wd: ["mode": "new", "lambda_new": 1e-5]),
    ]
}

@Suite struct RankedTableTests {
    let entries = rank(entryRecords(), objective: .finalValLoss)

    @Test func terminalTableIsAligned() {
        let table = RankedTable(entries, objective: .finalValLoss)
        #expect(table.terminal() == """
            rank  trial  family  schedule                   lr  weight decay     objective  train loss  val acc  status    seconds
            ────  ─────  ──────  ────────────────────────  ───  ────────────  ────────────  ──────────  ───────  ────────  ───────
               1      0  step    step_size=3 gamma=0.4123  0.1  λ=0.0005               0.2        0.25     0.95  ok           1.25
               2      1  cosine                            0.1  λnew=1e-05    0.2 ± 0.1414        0.25     0.95  ok           2.50

            diverged or without a value
               3      2  cyclic  mode=exp_range            0.1  -                      nan         nan     0.33  diverged     1.25
            """)
        let lines = table.terminal().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 2 + 2 + 2 + 1)  // header, rule, two complete rows, blank, block title, the diverged row
        #expect(lines[0].hasPrefix("rank  trial  family  schedule"))
        // Ranked: step (0.2) before cosine (mean of 0.1 and 0.3 = 0.2, tie broken by index), diverged last.
        #expect(lines[2].hasPrefix("   1      0  step    step_size=3 gamma=0.4123"))
        #expect(lines[3].contains("cosine") && lines[3].contains("0.2 ± 0.1414") && lines[3].contains("λnew=1e-05"))
        #expect(lines[6].hasPrefix("   3      2  cyclic  mode=exp_range") && lines[6].contains("diverged"))
    }

    @Test func markdownGolden() {
        let table = RankedTable(entries, objective: .finalValLoss, top: 2)
        #expect(table.markdown() == """
            | rank | trial | family | schedule | lr | weight decay | objective | train loss | val acc | status | seconds |
            |---:|---:|---|---|---:|---|---:|---:|---:|---|---:|
            | 1 | 0 | step | step_size=3 gamma=0.4123 | 0.1 | λ=0.0005 | 0.2 | 0.25 | 0.95 | ok | 1.25 |
            | 2 | 1 | cosine |  | 0.1 | λnew=1e-05 | 0.2 ± 0.1414 | 0.25 | 0.95 | ok | 2.50 |

            """)
    }

    @Test func csvGoldenHasOneFlatColumnPerParameter() {
        let csv = CSVExport.csv(entries)
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines[0] == "rank,trial,family,status,objective,objective_std,repeats,final_train_loss,final_val_loss,"
                + "final_val_accuracy,epochs,seconds,task.dataset,task.epochs,optimizer.kind,optimizer.momentum,"
                + "optimizer.weight_decay.mode,optimizer.weight_decay.lambda,schedule.family,schedule.lr,"
                + "schedule.step_size,schedule.gamma,optimizer.weight_decay.lambda_new,schedule.mode")
        #expect(lines[1] == "1,0,step,ok,0.2,0,1,0.25,0.2,0.95,2,1.25,iris,2,sgd,0.9,coupled,0.0005,step,0.1,3,0.41234,,")
        #expect(lines[3].hasPrefix("3,2,cyclic,diverged,,0,1,"))  // NaN objective is an empty field
        #expect(lines.count == 5 && lines[4].isEmpty)  // three rows and the final CRLF
        #expect(CSVExport.quote("a,\"b\"") == "\"a,\"\"b\"\"\"")  // RFC 4180 doubling
    }

    @Test func derivedParametersFollowTheSampledOnes() {
        let config: JSONValue = ["schedule": ["family": "step", "lr": 0.1, "final_lr": 0.001, "updates": 4]]
        // (0.001 / 0.1)^(1/4) = 0.1^(1/2) = 0.31623; step_size = 20 epochs / 4 updates
        let derived = [DerivedValue(name: "gamma", value: 0.31622776601683794), DerivedValue(name: "step_size", value: 5)]
        #expect(RankedTable.scheduleSummary(config, derived: derived) == "final_lr=0.001 updates=4 → gamma=0.3162 step_size=5")
        #expect(RankedTable.scheduleSummary(["schedule": ["family": "onecycle", "max_lr": 1]],
                                            derived: [DerivedValue(name: "initial_lr", value: 0.04)]) == "→ initial_lr=0.04")
    }

    @Test func aLongTableShowsItsEndsAndItsLength() {
        let lrs = JSONValue.array((0..<100).map { JSONNode(.number(0.1 / Double($0 + 1))) })
        #expect(RankedTable.scheduleSummary(["schedule": ["family": "table", "lrs": lrs]])
                == "lrs=[0.1,0.05,0.03333,…,0.001](100)")
        #expect(RankedTable.scheduleSummary(["schedule": ["family": "piecewise", "boundaries": [3, 8],
                                                          "values": [0.1, 0.01, 0.001]]])
                == "boundaries=[3,8] values=[0.1,0.01,0.001]")
    }

    @Test func numbersAreShortAndReadable() {
        #expect(formatNumber(0.123456) == "0.1235")
        #expect(formatNumber(1.5e-5) == "1.5e-05")
        #expect(formatNumber(12) == "12")
        #expect(formatNumber(.nan) == "nan")
    }
}

@Suite struct PrunedBlockTests {
    /// A pruned trial (stopped at epoch 1 with val loss 0.15) looks better than the complete one (0.2), but its
    /// value is from an earlier epoch: it goes in its own block below, with the epoch it stopped at.
    func records() -> [TrialRecord] {
        var pruned = entryRecords()[0]
        pruned.id = TrialID(index: 5, repeat: 0)
        pruned.state = .pruned
        pruned.epochs = [EpochMetrics(epoch: 1, lr: 0.1, trainLoss: 0.3, valLoss: 0.15, valAccuracy: 0.9, seconds: 0.5)]
        pruned.seconds = 0.5
        return [entryRecords()[0], pruned, entryRecords()[2]]
    }

    @Test func prunedTrialsHaveTheirOwnBlockWithTheirEpoch() {
        let table = RankedTable(rank(records(), objective: .finalValLoss), objective: .finalValLoss)
        #expect(table.terminal() == """
            rank  trial  family  schedule                   lr  weight decay  objective  train loss  val acc  status             seconds
            ────  ─────  ──────  ────────────────────────  ───  ────────────  ─────────  ──────────  ───────  ─────────────────  ───────
               1      0  step    step_size=3 gamma=0.4123  0.1  λ=0.0005            0.2        0.25     0.95  ok                    1.25

            pruned (stopped early: the objective is from the epoch they stopped at, not comparable with the rows above)
               2      5  step    step_size=3 gamma=0.4123  0.1  λ=0.0005           0.15         0.3      0.9  pruned at epoch 1     0.50

            diverged or without a value
               3      2  cyclic  mode=exp_range            0.1  -                   nan         nan     0.33  diverged              1.25
            """)
    }

    @Test func markdownAndHTMLKeepTheBlocks() {
        let table = RankedTable(rank(records(), objective: .finalValLoss), objective: .finalValLoss)
        #expect(table.markdown() == """
            | rank | trial | family | schedule | lr | weight decay | objective | train loss | val acc | status | seconds |
            |---:|---:|---|---|---:|---|---:|---:|---:|---|---:|
            | 1 | 0 | step | step_size=3 gamma=0.4123 | 0.1 | λ=0.0005 | 0.2 | 0.25 | 0.95 | ok | 1.25 |

            **pruned** (stopped early: the objective is from the epoch they stopped at, not comparable with the rows above)

            | rank | trial | family | schedule | lr | weight decay | objective | train loss | val acc | status | seconds |
            |---:|---:|---|---|---:|---|---:|---:|---:|---|---:|
            | 2 | 5 | step | step_size=3 gamma=0.4123 | 0.1 | λ=0.0005 | 0.15 | 0.3 | 0.9 | pruned at epoch 1 | 0.50 |

            **diverged or without a value**

            | rank | trial | family | schedule | lr | weight decay | objective | train loss | val acc | status | seconds |
            |---:|---:|---|---|---:|---|---:|---:|---:|---|---:|
            | 3 | 2 | cyclic | mode=exp_range | 0.1 | - | nan | nan | 0.33 | diverged | 1.25 |

            """)
        let html = HTMLReport.html(SearchReport(info: SearchInfo(name: "p"), records: records()))
        #expect(html.contains("<tr class=\"block\"><th colspan=\"11\">pruned (stopped early: the objective is from the epoch they "
                              + "stopped at, not comparable with the rows above)</th></tr>"))
        #expect(html.contains("<td>pruned at epoch 1</td>"))
        // ranked.csv: still one row per configuration, the status a plain word and the epoch in its own column.
        let csv = CSVExport.csv(rank(records(), objective: .finalValLoss)).components(separatedBy: "\r\n")
        #expect(csv[2].hasPrefix("2,5,step,pruned,0.15,0,1,0.3,0.15,0.9,1,0.5,"))
    }
}

@Suite struct RegressionColumnsTests {
    static func records() -> [TrialRecord] {
        [0, 1].map { i in
            TrialRecord(id: TrialID(index: i, repeat: 0), seed: 0, sampled: ["schedule": ["family": "cosine", "lr": 0.1]], family: .cosine,
                        state: .ok, epochs: [EpochMetrics(epoch: 1, lr: 0.1, trainLoss: 4, valLoss: 2.5 + Double(i),
                                                         valAccuracy: nil, seconds: 1, valR2: 0.75 - Double(i) / 4,
                                                         valMAE: 1.25 + Double(i))], seconds: 1)
        }
    }

    @Test func aRegressionTableShowsR2AndMAEInsteadOfAccuracy() {
        let table = RankedTable(rank(Self.records(), objective: .finalValR2), objective: .finalValR2)
        #expect(table.terminal() == """
            rank  trial  family  schedule   lr  weight decay  objective  train loss  val r2  val mae  status  seconds
            ────  ─────  ──────  ────────  ───  ────────────  ─────────  ──────────  ──────  ───────  ──────  ───────
               1      0  cosine            0.1  -                  0.75           4    0.75     1.25  ok         1.00
               2      1  cosine            0.1  -                   0.5           4     0.5     2.25  ok         1.00
            """)
    }

    @Test func aRegressionCSVHasR2AndMAEColumns() {
        let csv = CSVExport.csv(rank(Self.records(), objective: .finalValMAE))
        let lines = csv.split(separator: "\r\n").map(String.init)
        #expect(lines[0].hasPrefix("rank,trial,family,status,objective,objective_std,repeats,final_train_loss,"
                                   + "final_val_loss,final_val_accuracy,final_val_r2,final_val_mae,epochs,seconds,"))
        #expect(lines[1].hasPrefix("1,0,cosine,ok,1.25,0,1,4,2.5,,0.75,1.25,1,1,"))
        // Classification CSVs keep their columns.
        #expect(!CSVExport.csv(rank(entryRecords(), objective: .finalValLoss)).contains("final_val_r2"))
    }
}
