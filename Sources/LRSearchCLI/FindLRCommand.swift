// `lrsearch find-lr CONFIG`: the LR range test on a config's model and data, with suggestions and a plot.

import Foundation
import JSON5
import Search
import Trainer

extension LRSearch {
    static let findLR = CommandSpec(
        name: "find-lr", abstract: "Run an LR range test on a config and suggest a learning rate.",
        discussion: """
            Trains a fresh copy of CONFIG's model (seeded by its seed) for one mini-batch per LR while the \
            LR ramps from --start to --end, records the raw and smoothed loss, stops when the smoothed loss \
            diverges, and prints the suggested LRs with a plot of loss against LR. CONFIG is a trial config \
            (the format of best.json; its schedule is ignored and may be left out) or a search spec, whose \
            task and optimizer are taken with every sampled value at its median. Nothing is written but --csv.
            fastai (default): lr = start·(end/start)^(i/N), smoothing 0.98 with bias correction, stop above \
            4× the best; suggestions valley, slide, minimum (argmin/10) and steep. smith: torch-lr-finder's \
            ramp to end (--mode exp or linear), smoothing 0.05, stop above 5×; suggestion steepest.
            """,
        positionals: [PositionalSpec("CONFIG", help: "A trial config or a search spec (JSON5).")],
        options: [
            OptionSpec("--start", "LR", help: "First LR (default 1e-7)."),
            OptionSpec("--end", "LR", help: "Last LR of the ramp (default 10)."),
            OptionSpec("--iters", "N", help: "Mini-batches to run at most (default 100, 2 <= N <= 1000000)."),
            OptionSpec("--mode", "MODE", help: "Ramp: exp or linear (linear needs --method smith)."),
            OptionSpec("--method", "METHOD", help: "fastai (default) or smith (torch-lr-finder)."),
            OptionSpec("--csv", "FILE", help: "Also write iteration,lr,loss,smoothed_loss rows to FILE."),
        ],
        run: { args in try FindLRCommand.run(args) })
}

enum FindLRCommand {
    static func run(_ args: ParsedArguments) throws -> ExitCode {
        let test = try rangeTest(args)
        let path = args.positionals[0]
        let (config, dataset, source) = try load(path)
        try SpecFile.checkMemory(MemoryEstimate(config: config.training, dataset: dataset), jobs: 1, file: path)
        let result = LRFinder.run(config: config.training, dataset: dataset, test: test, cores: .allCores())
        if let csv = args.string("--csv") { try write(csv: result.curve, to: csv) }
        print(report(result, dataset: dataset, config: config, source: source))
        return .success
    }

    /// The test the flags describe; every bad flag names itself, what it expects and what it got.
    static func rangeTest(_ args: ParsedArguments) throws(CLIError) -> LRRangeTest {
        var test = LRRangeTest()
        if let start = try args.double("--start") {
            guard start > 0 else { throw CLIError("--start must be a number > 0, got \(JSONWriter.number(start))") }
            test.start = start
        }
        if let end = try args.double("--end") { test.end = end }
        guard test.end > test.start else {
            throw CLIError("--end must be greater than --start (\(JSONWriter.number(test.start))), "
                           + "got \(JSONWriter.number(test.end))")
        }
        test.iterations = try args.int("--iters", min: 2, max: 1_000_000) ?? 100  // the suggestions are O(n log n)
        test.method = try choice(args, "--method", default: .fastai)
        test.mode = try choice(args, "--mode", default: .exp)
        if test.method == .fastai && test.mode == .linear {
            throw CLIError("--mode linear needs --method smith (fastai's ramp is exponential only)")
        }
        return test
    }

    static func choice<E: RawRepresentable & CaseIterable>(_ args: ParsedArguments, _ flag: String, default value: E)
        throws(CLIError) -> E where E.RawValue == String
    {
        guard let text = args.string(flag) else { return value }
        guard let v = E(rawValue: text) else {
            let valid = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw CLIError("\(flag) expects one of \(valid), got '\(text)'")
        }
        return v
    }

    /// A trial config (a `schedule` may be left out) or a search spec (a document with `schedules`).
    static func load(_ path: String) throws(CLIError) -> (TrialConfig, Dataset, String) {
        let root = try SpecFile.parse(path, what: "config or spec")
        if root.value.hasMember("schedules") {
            let spec = try SpecFile.load(path, root: root)
            do throws(ConfigError) {
                let (config, dataset) = try DataCache().prepare(spec.rangeTestConfig)
                return (config, dataset, "search spec \(spec.name): its task and optimizer at the median of each range")
            } catch {
                throw CLIError.input(error.rendered(file: path))
            }
        }
        guard case .object(var members) = root.value else {
            throw CLIError.input("\(path): expected a config object, got \(ObjectReader.describe(root.value))")
        }
        if !root.value.hasMember("schedule") {
            members.append(JSONMember(key: "schedule", value: JSONNode(["family": "constant", "lr": 0.1])))
        }
        let node = JSONNode(.object(members), at: root.location)
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let (config, dataset) = try TrainCommand.loadConfig(node, baseDirectory: base, file: path, showsUsage: false)
        return (config, dataset, "config \(path)")
    }

    /// `iteration,lr,loss,smoothed_loss`, one row per recorded batch, in shortest round-trip form.
    static func write(csv curve: LRRangeCurve, to path: String) throws(CLIError) {
        var out = "iteration,lr,loss,smoothed_loss\n"
        for i in curve.lrs.indices {
            out += "\(i),\(curve.lrs[i]),\(curve.losses[i]),\(curve.smoothed[i])\n"
        }
        do {
            try out.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw CLIError("cannot write --csv file '\(path)': \(error.localizedDescription)", code: .failure)
        }
    }

    static func report(_ r: LRFinder.Result, dataset: Dataset, config: TrialConfig, source: String) -> String {
        let t = r.curve.test
        let c = r.curve
        func e(_ x: Double) -> String { String(format: "%.3g", x) }
        let ramp = t.mode == .exp ? "exponential" : "linear"
        let reach = t.method == .fastai ? "towards" : "to"
        var lines = [
            "LR range test (\(t.method.rawValue)) on \(source)",
            "data: \(dataset.name), \(dataset.train.count) training rows (validation unused), optimizer "
                + config.training.optimizer.kind.rawValue,
            "ramp: \(t.steps) batches of \(config.training.batchSize) (\(r.stepsPerEpoch)/epoch), "
                + "\(ramp) from \(e(t.start)) \(reach) \(e(t.end))",
        ]
        let last = c.lrs.count - 1
        switch c.stop {
        case .completed, .running:
            lines.append("ran all \(c.lrs.count) batches")
        case .diverged:
            lines.append("stopped after \(c.lrs.count) batches at lr \(e(c.lrs[last])): smoothed loss \(e(c.smoothed[last])) "
                         + "> \(JSONWriter.number(t.divergenceFactor))× the best \(e(c.best))")
        case .nonFinite:
            lines.append("stopped after \(c.lrs.count) batches at lr \(e(c.lrs[max(last, 0)])): the loss was not finite")
        }
        lines += ["", LRCurvePlot.render(c, suggestions: r.suggestions), ""]
        if r.suggestions.isEmpty {
            lines.append("no suggestion: the test stopped before the window it reads (\(t.skip.start) batches skipped "
                         + "at the start, \(t.skip.end) at the end)")
        } else {
            lines.append("suggestions (smoothed loss, batches \(t.skip.start)…\(c.lrs.count - t.skip.end - 1)):")
            for s in r.suggestions {
                let name = TrainCommand.pad(s.kind.rawValue, 9)
                let mark = LRCurvePlot.marker(s.kind)
                lines.append("  \(mark) \(name) \(TrainCommand.pad(e(s.lr), 9)) \(explain(s, curve: c))")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func explain(_ s: LRSuggestion, curve c: LRRangeCurve) -> String {
        switch s.kind {
        case .valley: return "a third into the longest fall (fastai's default)"
        case .slide: return "where the loss gradient stops changing, from the right"
        case .minimum: return "the lowest loss is at \(String(format: "%.3g", c.lrs[s.index])); a tenth of that"
        case .steep: return "steepest fall per unit of ln LR"
        case .steepest: return "steepest fall (numpy.gradient), torch-lr-finder's pick"
        }
    }
}

extension JSONValue {
    func hasMember(_ key: String) -> Bool {
        if case .object(let members) = self { return members.contains { $0.key == key } }
        return false
    }
}
