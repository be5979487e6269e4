// Which shard this process runs, from a cluster scheduler's variables (`--shard auto`): a Slurm job array's
// task, or a Kubernetes Indexed Job's completion index.

import Foundation
import JSON5

/// One shard of a static search: trials whose index ≡ `index` (mod `count`).
public struct ShardAssignment: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int
    /// Where the assignment came from, for the banner: `SLURM_ARRAY_TASK_ID=7 (position 3 of 4)`.
    public var source: String

    public init(index: Int, count: Int, source: String) {
        self.index = index
        self.count = count
        self.source = source
    }

    public var description: String { "\(index)/\(count)" }

    /// The shard a Slurm array task or a Kubernetes Indexed Job pod runs, from `environment`.
    ///
    /// Slurm: the array `--array=MIN-MAX:STEP` gives tasks MIN, MIN+STEP, …; the shard is the task's
    /// position in that list, not its raw id, and the count is `SLURM_ARRAY_TASK_COUNT`:
    /// ```
    /// index = (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP,  count = SLURM_ARRAY_TASK_COUNT
    /// ```
    /// (`SLURM_ARRAY_TASK_MAX`, when set, must be MIN + (COUNT − 1)·STEP.) An array given as a list
    /// (`--array=1,4,9`) has no such positions and is refused. Kubernetes does not export a Job's
    /// `completions`, so an Indexed Job passes it as `LRSEARCH_SHARDS`:
    /// ```
    /// index = JOB_COMPLETION_INDEX,  count = LRSEARCH_SHARDS
    /// ```
    /// - Throws: a message naming the variables that are missing, malformed or contradict each other.
    public static func fromEnvironment(_ environment: [String: String]) throws(ShardError) -> ShardAssignment {
        let slurm = ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_STEP", "SLURM_ARRAY_TASK_COUNT"]
        let k8s = "JOB_COMPLETION_INDEX", shards = "LRSEARCH_SHARDS"
        let slurmSet = slurm.filter { environment[$0] != nil }
        let hasSlurm = !slurmSet.isEmpty || environment["SLURM_ARRAY_TASK_MAX"] != nil
        if hasSlurm, environment[k8s] != nil {
            throw ShardError("both Slurm (\(slurmSet.first ?? "SLURM_ARRAY_TASK_MAX")) and Kubernetes (\(k8s)) variables are set; "
                             + "unset the ones that do not belong to this job")
        }
        if hasSlurm {
            let missing = slurm.filter { environment[$0] == nil }
            guard missing.isEmpty else {
                throw ShardError("this is a Slurm array task (\(slurmSet.first ?? "SLURM_ARRAY_TASK_MAX") is set), but \(missing.joined(separator: ", ")) "
                                 + "\(missing.count == 1 ? "is" : "are") not set (run it as an array job: sbatch --array=0-N)")
            }
            let id = try integer(environment, "SLURM_ARRAY_TASK_ID", min: 0)
            let low = try integer(environment, "SLURM_ARRAY_TASK_MIN", min: 0)
            let step = try integer(environment, "SLURM_ARRAY_TASK_STEP", min: 1)
            let count = try integer(environment, "SLURM_ARRAY_TASK_COUNT", min: 1)
            let offset = id - low  // both in [0, Int.max]: no overflow
            guard offset >= 0, offset % step == 0, offset / step < count else {
                throw ShardError("SLURM_ARRAY_TASK_ID=\(id) is not one of the \(count) tasks SLURM_ARRAY_TASK_MIN=\(low), "
                                 + "SLURM_ARRAY_TASK_STEP=\(step) and SLURM_ARRAY_TASK_COUNT=\(count) describe "
                                 + "(\(low), \(low)+\(step), …); --shard auto needs an array given as a range, --array=MIN-MAX[:STEP]")
            }
            if environment["SLURM_ARRAY_TASK_MAX"] != nil {
                let high = try integer(environment, "SLURM_ARRAY_TASK_MAX", min: 0)
                let (span, o1) = (count - 1).multipliedReportingOverflow(by: step)
                let (last, o2) = low.addingReportingOverflow(span)
                guard !o1, !o2, last == high else {
                    throw ShardError("SLURM_ARRAY_TASK_MAX=\(high) contradicts SLURM_ARRAY_TASK_MIN=\(low), "
                                     + "SLURM_ARRAY_TASK_STEP=\(step) and SLURM_ARRAY_TASK_COUNT=\(count) "
                                     + "(they give a last task of \(o1 || o2 ? "more than 2^63" : String(last))); "
                                     + "--shard auto needs an array given as a range, --array=MIN-MAX[:STEP]")
                }
            }
            if environment[shards] != nil {
                let n = try integer(environment, shards, min: 1)
                guard n == count else {
                    throw ShardError("\(shards)=\(n) contradicts SLURM_ARRAY_TASK_COUNT=\(count); unset \(shards) under Slurm")
                }
            }
            return ShardAssignment(index: offset / step, count: count,
                                   source: "SLURM_ARRAY_TASK_ID=\(id), task \(offset / step + 1) of \(count)")
        }
        guard environment[k8s] != nil || environment[shards] != nil else {
            throw ShardError("neither a Slurm array task (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN, "
                             + "SLURM_ARRAY_TASK_STEP, SLURM_ARRAY_TASK_COUNT) nor a Kubernetes Indexed Job "
                             + "(\(k8s) with \(shards)) is set; give the shard as --shard I/N instead")
        }
        guard environment[k8s] != nil else {
            throw ShardError("\(shards) is set but \(k8s) is not (run it as a Kubernetes Job with completionMode: Indexed)")
        }
        guard environment[shards] != nil else {
            throw ShardError("\(k8s) is set but \(shards) is not; Kubernetes does not export the Job's completions, "
                             + "so set \(shards) to the same number in the pod's env")
        }
        let index = try integer(environment, k8s, min: 0)
        let count = try integer(environment, shards, min: 1)
        guard index < count else {
            throw ShardError("\(k8s)=\(index) is not below \(shards)=\(count); set \(shards) to the Job's completions")
        }
        return ShardAssignment(index: index, count: count, source: "\(k8s)=\(index), \(shards)=\(count)")
    }

    /// The variable `name` as a decimal integer ≥ `min`.
    static func integer(_ environment: [String: String], _ name: String, min: Int) throws(ShardError) -> Int {
        let text = environment[name] ?? ""
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let v = Int(trimmed), v >= min else {
            throw ShardError("\(name) must be an integer >= \(min), found '\(text)'")
        }
        return v
    }
}

/// A `--shard auto` problem: the message names the variables.
public struct ShardError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension SearchSpec {
    /// Why this spec cannot be split into shards, or nil when it can: shards share nothing, so a
    /// sampler that learns from earlier trials (TPE) or a pruner that compares trials would decide from
    /// one shard's trials only, and the merged ranking would differ from one run's.
    public var shardingProblem: ConfigError? {
        if sampler == .tpe {
            return ConfigError(source.value["sampler"], path: "sampler",
                               "\"tpe\" learns from every earlier trial, but shards share nothing; "
                                   + "run every process as a peer with --join on one shared folder instead of --shard")
        }
        if pruner != .none {
            return ConfigError(source.value["pruner"], path: "pruner",
                               "a pruner compares each trial with the others, but shards share nothing; "
                                   + "run every process as a peer with --join on one shared folder instead of --shard")
        }
        return nil
    }
}
