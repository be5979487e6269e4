// The step before a search with `lr: { auto: true }` opens its session: the LR range test (or the range the
// journal already keeps), so that the session itself only replays, records and hands out trials.

import Foundation
import JSON5

extension AutoLRRange {
    /// `spec` with its auto `lr` resolved, for a run with `options`; `spec` itself when its `lr` is not auto.
    ///
    /// The range is the one the journal's start record keeps when the journal in `options.outDir`
    /// belongs to this spec (same hash, overrides applied) and `overwrite` is off — so a resumed or
    /// re-shown search samples exactly as before and no test runs — otherwise the one `find` gives for
    /// the effective spec (`--epochs` and `--seed` applied; by default a fresh fastai range test). The
    /// folder's run lock is held meanwhile, so a busy folder is refused before any test runs.
    /// - Throws: `.busy` when another process holds the folder; `.config` when the range test fails.
    public static func resolve(_ spec: SearchSpec, options: RunOptions, find: (SearchSpec) throws(ConfigError) -> AutoLRRange)
        throws(SessionError) -> SearchSpec
    {
        guard spec.lrAuto != nil else { return spec }
        let effective = spec.applying(options).spec
        let lock: RunLock
        do {
            lock = try RunLock(folder: options.outDir)
        } catch {
            throw .busy(error)
        }
        defer { withExtendedLifetime(lock) {} }  // released on return, before the session takes it
        let journal = (options.outDir as NSString).appendingPathComponent("trials.jsonl")
        if !options.overwrite, let replay = try? Journal.replay(path: journal),
           replay.specHash == SearchSession.hash(effective), let range = replay.lrRange {
            return spec.resolvingAutoLR(range)
        }
        do {
            return spec.resolvingAutoLR(try find(effective))
        } catch {
            throw .config(error)
        }
    }

    /// `resolve` with a fresh range test on `data` when the journal keeps no range.
    public static func resolve(_ spec: SearchSpec, options: RunOptions, data: DataCache) throws(SessionError) -> SearchSpec {
        try resolve(spec, options: options) { s throws(ConfigError) in try s.findAutoLRRange(data: data) }
    }
}
