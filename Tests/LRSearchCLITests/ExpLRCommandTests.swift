// `lrsearch explr`: THEORY.md A.2's reference numbers as printed, the CSV, and the error paths.

import Foundation
import Testing

@Suite struct ExpLRCommandTests {
    let usage = "Usage: lrsearch explr [--lr η] [--wd λ] [--wd-new λnew] [--momentum γ] [--steps N] "
        + "[--steps-per-epoch K] [--of SCHEDULE] [--texp]\n  See 'lrsearch help' for more.\n"

    @Test func printsAlphaGrowthBufferAndTheFirstLRs() throws {
        let run = try lrsearch(["explr", "--lr", "0.1", "--wd", "5e-4", "--momentum", "0.9", "--steps-per-epoch", "391",
                                "--steps", "3"])
        #expect(run.code == 0 && run.stderr == "")
        // THEORY.md A.2: α = 0.9994977283678897, α^−2 = 1.0010053006, α^−782 = 1.4812, c = −0.0050252404.
        #expect(run.stdout == """
            schedule                                   explr: lr(t) = α^(−2t−1)·η, η = 0.1, momentum 0.9
            weight decay λ (PyTorch SGD weight_decay)  0.0005
            λ·η = λnew                                 5e-05   (real α needs ≤ (1 − √γ)² = 0.002633403898972404)
            α, larger root of x² − (1+γ−λη)x + γ       0.9994977283678897
            growth per step α^−2                       1.001005300601762
            growth per epoch α^−782 (391 steps)        1.4812333562895441
            initial buffer b₀ = c·θ₀, c = −(1−α)/(αη)  -0.005025240356778261

            step,lr
            0,0.10005025240356778
            1,0.10015083298251555
            2,0.10025151467517984

            """)
    }

    @Test func wdNewIsLambdaTimesLR() throws {
        // λnew = λ·η: 5e-5 at η = 0.1 is λ = 5e-4, the same α to the last digits.
        let run = try lrsearch(["explr", "--lr", "0.1", "--wd-new", "5e-5", "--momentum", "0.9", "--steps", "0"])
        #expect(run.code == 0)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 6)
        #expect(lines[1].hasSuffix("  0.0005") || lines[1].hasSuffix("  0.0005000000000000001"))
        #expect(lines[3].hasPrefix("α, larger root") && lines[3].hasSuffix("  0.9994977283678897"))
        #expect(!run.stdout.contains("step,lr"))
    }

    @Test func convertsAWholeScheduleExactlyOrByTEXP() throws {
        let of = #"{ family: "step", lr: 0.1, step_size: 2 }"#
        let exact = try lrsearch(["explr", "--wd", "5e-4", "--momentum", "0.9", "--steps", "3", "--of", of])
        #expect(exact.code == 0)
        // THEORY.md A.2b: η̃_0, η̃_1 = 0.100005000250, 0.100019502828 (constant η = 0.1 for two steps).
        #expect(exact.stdout.hasSuffix("step,lr,of_lr\n0,0.10000500025001252,0.1\n1,0.10001950282787382,0.1\n"
                                       + "2,0.010003036132141646,0.010000000000000002\n"))
        #expect(exact.stdout.contains("initial buffer                                 none (zero buffers)"))
        let texp = try lrsearch(["explr", "--wd", "5e-4", "--momentum", "0.9", "--steps", "1", "--of", of, "--texp"])
        // TEXP starts at η_0/α = 0.1/0.9994977283678897.
        #expect(texp.stdout.hasSuffix("step,lr,of_lr\n0,\(0.1 / 0.9994977283678897),0.1\n"))
    }

    @Test func errorsNameTheFlagAndTheRule() throws {
        let noRoot = try lrsearch(["explr", "--lr", "0.1", "--wd", "0.05", "--momentum", "0.9"])
        #expect(noRoot.code == 64)
        #expect(noRoot.stderr.hasPrefix("Error: --wd must be <= (1 − √momentum)²/lr = 0.02633403898972404 so that "))
        #expect(try lrsearch(["explr", "--lr", "0.1", "--wd", "-1"]) == Run(
            stdout: "", stderr: "Error: --wd must be >= 0, got -1\n" + usage, code: 64))
        #expect(try lrsearch(["explr", "--lr", "0.1", "--wd", "1e-4", "--momentum", "1"]) == Run(
            stdout: "", stderr: "Error: --momentum must be in [0, 1), got 1\n" + usage, code: 64))
        #expect(try lrsearch(["explr", "--lr", "0.1", "--wd", "1e-4", "--wd-new", "1e-5"]).stderr
                == "Error: --wd and --wd-new cannot be combined: λnew = λ·η is the same decay\n" + usage)
        #expect(try lrsearch(["explr", "--wd", "1e-4"]).stderr == "Error: missing option --lr <η> (or --of SCHEDULE)\n" + usage)
        #expect(try lrsearch(["explr", "--lr", "x", "--wd", "1e-4"]).stderr == "Error: --lr expects a number, got 'x'\n" + usage)
    }
}
