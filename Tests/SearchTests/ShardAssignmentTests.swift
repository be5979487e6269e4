// `--shard auto`: the shard from Slurm array or Kubernetes Indexed Job variables, and the specs that cannot shard.

import JSON5
import Search
import Testing

private func slurm(id: String, min: String = "4", step: String = "2", count: String = "3",
                   extra: [String: String] = [:]) -> [String: String] {
    ["SLURM_ARRAY_TASK_ID": id, "SLURM_ARRAY_TASK_MIN": min, "SLURM_ARRAY_TASK_STEP": step,
     "SLURM_ARRAY_TASK_COUNT": count].merging(extra) { $1 }
}

private func message(_ env: [String: String]) -> String {
    do {
        let shard = try ShardAssignment.fromEnvironment(env)
        return "no error: \(shard)"
    } catch {
        return error.message
    }
}

@Suite struct ShardAssignmentTests {
    @Test func slurmShardIsTheTaskPositionNotItsId() throws {
        // --array=4-8:2 gives tasks 4, 6, 8: positions 0, 1, 2 of 3.
        for (id, position) in [("4", 0), ("6", 1), ("8", 2)] {
            let shard = try ShardAssignment.fromEnvironment(slurm(id: id, extra: ["SLURM_ARRAY_TASK_MAX": "8"]))
            #expect(shard.index == position && shard.count == 3, "task \(id)")
        }
        // --array=0-9: the id is the position.
        let plain = try ShardAssignment.fromEnvironment(slurm(id: "7", min: "0", step: "1", count: "10"))
        #expect(plain == ShardAssignment(index: 7, count: 10, source: "SLURM_ARRAY_TASK_ID=7, task 8 of 10"))
    }

    @Test func kubernetesShardIsTheCompletionIndex() throws {
        let shard = try ShardAssignment.fromEnvironment(["JOB_COMPLETION_INDEX": "2", "LRSEARCH_SHARDS": "5"])
        #expect(shard == ShardAssignment(index: 2, count: 5, source: "JOB_COMPLETION_INDEX=2, LRSEARCH_SHARDS=5"))
        // LRSEARCH_SHARDS under Slurm is a cross-check: equal is fine.
        #expect(try ShardAssignment.fromEnvironment(slurm(id: "6", extra: ["LRSEARCH_SHARDS": "3"])).index == 1)
    }

    @Test func missingVariablesAreNamed() {
        #expect(message([:]) == "neither a Slurm array task (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_STEP, "
                + "SLURM_ARRAY_TASK_COUNT) nor a Kubernetes Indexed Job (JOB_COMPLETION_INDEX with LRSEARCH_SHARDS) is set; "
                + "give the shard as --shard I/N instead")
        #expect(message(["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"])
                == "this is a Slurm array task (SLURM_ARRAY_TASK_ID is set), but SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_STEP "
                + "are not set (run it as an array job: sbatch --array=0-N)")
        #expect(message(["JOB_COMPLETION_INDEX": "0"]) == "JOB_COMPLETION_INDEX is set but LRSEARCH_SHARDS is not; Kubernetes "
                + "does not export the Job's completions, so set LRSEARCH_SHARDS to the same number in the pod's env")
        #expect(message(["LRSEARCH_SHARDS": "4"])
                == "LRSEARCH_SHARDS is set but JOB_COMPLETION_INDEX is not (run it as a Kubernetes Job with completionMode: Indexed)")
    }

    @Test func contradictoryVariablesAreNamed() {
        // Task 5 is not in 4, 6, 8 (an array given as a list, --array=4,5,9, say).
        #expect(message(slurm(id: "5")) == "SLURM_ARRAY_TASK_ID=5 is not one of the 3 tasks SLURM_ARRAY_TASK_MIN=4, "
                + "SLURM_ARRAY_TASK_STEP=2 and SLURM_ARRAY_TASK_COUNT=3 describe (4, 4+2, …); --shard auto needs an array "
                + "given as a range, --array=MIN-MAX[:STEP]")
        #expect(message(slurm(id: "10")).hasPrefix("SLURM_ARRAY_TASK_ID=10 is not one of the 3 tasks"))  // past the end
        #expect(message(slurm(id: "2")).hasPrefix("SLURM_ARRAY_TASK_ID=2 is not one of the 3 tasks"))  // below MIN
        // 4 + (3 − 1)·2 = 8, not 9.
        #expect(message(slurm(id: "4", extra: ["SLURM_ARRAY_TASK_MAX": "9"])) == "SLURM_ARRAY_TASK_MAX=9 contradicts "
                + "SLURM_ARRAY_TASK_MIN=4, SLURM_ARRAY_TASK_STEP=2 and SLURM_ARRAY_TASK_COUNT=3 (they give a last task of 8); "
                + "--shard auto needs an array given as a range, --array=MIN-MAX[:STEP]")
        #expect(message(slurm(id: "4", extra: ["LRSEARCH_SHARDS": "4"]))
                == "LRSEARCH_SHARDS=4 contradicts SLURM_ARRAY_TASK_COUNT=3; unset LRSEARCH_SHARDS under Slurm")
        #expect(message(slurm(id: "4", extra: ["JOB_COMPLETION_INDEX": "0"])) == "both Slurm (SLURM_ARRAY_TASK_ID) and "
                + "Kubernetes (JOB_COMPLETION_INDEX) variables are set; unset the ones that do not belong to this job")
        #expect(message(["JOB_COMPLETION_INDEX": "5", "LRSEARCH_SHARDS": "5"])
                == "JOB_COMPLETION_INDEX=5 is not below LRSEARCH_SHARDS=5; set LRSEARCH_SHARDS to the Job's completions")
    }

    @Test func malformedAndExtremeValuesAreUsageErrorsNotTraps() {
        #expect(message(slurm(id: "abc")) == "SLURM_ARRAY_TASK_ID must be an integer >= 0, found 'abc'")
        #expect(message(slurm(id: "4", step: "0")) == "SLURM_ARRAY_TASK_STEP must be an integer >= 1, found '0'")
        #expect(message(slurm(id: "-1")) == "SLURM_ARRAY_TASK_ID must be an integer >= 0, found '-1'")
        #expect(message(["JOB_COMPLETION_INDEX": "1", "LRSEARCH_SHARDS": "99999999999999999999"])
                == "LRSEARCH_SHARDS must be an integer >= 1, found '99999999999999999999'")
        #expect(message(["JOB_COMPLETION_INDEX": "1", "LRSEARCH_SHARDS": ""]) == "LRSEARCH_SHARDS must be an integer >= 1, found ''")
        #expect(message(["JOB_COMPLETION_INDEX": "1\u{0}", "LRSEARCH_SHARDS": "2"]).hasPrefix("JOB_COMPLETION_INDEX must be an integer"))
        // Int.max values: the MAX check multiplies and adds with overflow checks.
        let big = String(Int.max)
        #expect(message(slurm(id: big, min: "0", step: "1", count: big, extra: ["SLURM_ARRAY_TASK_MAX": big]))
                .hasPrefix("SLURM_ARRAY_TASK_ID=\(big) is not one of"))
        #expect(message(slurm(id: "0", min: "0", step: big, count: "3", extra: ["SLURM_ARRAY_TASK_MAX": "0"]))
                .contains("(they give a last task of more than 2^63)"))
        #expect(message(slurm(id: "0", min: "0", step: "1", count: big)) == "no error: 0/\(big)")
    }

    @Test func adaptiveSamplersAndPrunersCannotShard() throws {
        func spec(_ extra: String) throws -> SearchSpec {
            try SearchSpec.parse(JSON5Parser.parse("""
                { name: "s", trials: 4, \(extra)
                  task: { dataset: "iris", epochs: 3 }, lr: 0.1, schedules: [{ family: "cosine" }] }
                """), defaultName: "s")
        }
        #expect(try spec("").shardingProblem == nil)
        #expect(try spec("sampler: \"grid\",").shardingProblem == nil)
        let tpe = try #require(try spec("sampler: \"tpe\",").shardingProblem)
        #expect(tpe.rendered(file: "s.json5") == "s.json5:1:34: sampler: \"tpe\" learns from every earlier trial, but shards "
                + "share nothing; run every process as a peer with --join on one shared folder instead of --shard")
        let asha = try #require(try spec("pruner: { kind: \"asha\", min_epochs: 1 },").shardingProblem)
        #expect(asha.path == "pruner")
        #expect(asha.message.hasSuffix("run every process as a peer with --join on one shared folder instead of --shard"))
    }
}
