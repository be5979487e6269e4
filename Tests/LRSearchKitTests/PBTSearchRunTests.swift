// PBTSearchRun in a results folder: stopped at a boundary (as after kill -9: the snapshot is what is left),
// resumed, it ends with the files of an uninterrupted run; --jobs does not change them.

import Foundation
import JSON5
import LRSearchKit
import Search
import Testing

private let pbtKitSpec = """
    { name: "kit-pbt", seed: 2,
      strategy: { kind: "pbt", population: 4, interval_epochs: 1 },
      task: { dataset: "iris", model: { hidden: [8] }, epochs: 5, batch_size: 16 },
      optimizer: { kind: "sgd", momentum: { uniform: [0.5, 0.9] } },
      lr: { loguniform: [0.01, 0.5] } }
    """

@Suite struct PBTSearchRunTests {
    func spec() throws -> SearchSpec { try SearchSpec.parse(JSON5Parser.parse(pbtKitSpec), defaultName: "kit-pbt") }

    func read(_ dir: String, _ name: String) throws -> String {
        try String(contentsOfFile: (dir as NSString).appendingPathComponent(name), encoding: .utf8)
    }

    /// Runs to the end in a fresh folder; returns best.json and the member configs of trials.jsonl.
    func uninterrupted(jobs: Int) throws -> (best: String, configs: [JSONValue]) {
        let dir = NSTemporaryDirectory() + "lrsearch-pbt-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try PBTSearchRun(spec: try spec(), options: RunOptions(jobs: jobs, outDir: dir))
        #expect(try run.run())
        try run.writeResults()
        let configs = try #require(try Journal.replay(path: run.journalPath)).records.map(\.sampled)
        return (try read(dir, "best.json"), configs)
    }

    @Test(arguments: [1, 3])
    func resumedAfterAStopAtIntervalKEndsAsTheUninterruptedRun(_ k: Int) throws {
        let reference = try uninterrupted(jobs: 1)
        #expect(try uninterrupted(jobs: 2).best == reference.best)
        let dir = NSTemporaryDirectory() + "lrsearch-pbt-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let first = try PBTSearchRun(spec: try spec(), options: RunOptions(jobs: 2, outDir: dir))
            let finished = try first.run { p in if p.interval == k { first.stop() } }
            #expect(!finished)
        }
        #expect(FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(PBTSnapshot.fileName)))
        #expect(!FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent("trials.jsonl")))
        // What a kill leaves besides: a torn journal line and a half-written temporary snapshot.
        let journal = FileHandle(forWritingAtPath: (dir as NSString).appendingPathComponent("pbt.jsonl"))
        journal?.seekToEndOfFile()
        journal?.write(Data("{\"op\":\"segm".utf8))
        try journal?.close()
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: (dir as NSString).appendingPathComponent(PBTSnapshot.fileName + ".tmp")))
        var options = RunOptions(jobs: 1, outDir: dir)
        options.resume = true
        let resumed = try PBTSearchRun(spec: try spec(), options: options)
        #expect(resumed.resumedAt == k)
        #expect(try resumed.run())
        try resumed.writeResults()
        #expect(try read(dir, "best.json") == reference.best)
        #expect(try #require(try Journal.replay(path: resumed.journalPath)).records.map(\.sampled) == reference.configs)
        #expect(try read(dir, "report.html").contains("Population-based training"))
    }
}
