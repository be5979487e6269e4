// The one-trial config format: defaults, every dataset form, round trip through JSON, and exact located errors.

import JSON5
import LRSchedules
import Search
import Testing
import Trainer

struct TrialConfigTests {
    func parse(_ text: String, trainRows: Int? = nil) throws -> TrialConfig {
        try TrialConfig.parse(try JSON5Parser.parse(text), trainRows: trainRows)
    }

    func error(_ text: String, trainRows: Int? = nil) -> String {
        do {
            _ = try parse(text, trainRows: trainRows)
            return "no error"
        } catch let e as ConfigError {
            return e.rendered(file: "c.json5")
        } catch {
            return "\(error)"
        }
    }

    @Test func minimalConfigGetsTheDocumentedDefaults() throws {
        let c = try parse(#"{ task: { dataset: "digits" }, schedule: { family: "constant", lr: 0.1 } }"#)
        #expect(c.dataset == .builtin("digits"))
        #expect(c.valFraction == 0.2 && c.splitSeed == 0)
        #expect(c.training == TrainingConfig(model: ModelConfig(hidden: [128]), optimizer: OptimizerConfig(),
                                             epochs: 20, batchSize: 64, scheduleUnit: .epoch, seed: 0))
    }

    @Test func fullConfigReadsEveryField() throws {
        let c = try parse("""
            { seed: 7,
              task: { dataset: { name: "spirals", n: 300, noise: 0.3, classes: 2, seed: 4 },
                      model: { hidden: [32, 16], activation: "tanh", batch_norm: true, batch_norm_affine: false,
                               batch_norm_eps: 0, bias: false, init: "xavier", freeze_output: true },
                      epochs: 5, batch_size: 16, val_fraction: 0.25, schedule_unit: "step", split_seed: 3 },
              optimizer: { kind: "sgd", momentum: 0.9, nesterov: true,
                           weight_decay: { mode: "new", lambda_new: 1e-4, exempt_bias_and_norm: true }, grad_clip: 5 },
              schedule: { family: "cosine", lr: 0.1 } }
            """, trainRows: 225)
        #expect(c.dataset == .synthetic(SyntheticSpec(.spirals, n: 300, noise: 0.3, classes: 2, seed: 4)))
        #expect(c.valFraction == 0.25 && c.splitSeed == 3 && c.training.seed == 7)
        let m = c.training.model
        #expect(m.hidden == [32, 16] && m.activation == .tanh && m.batchNorm && !m.batchNormAffine)
        #expect(m.batchNormEps == 0 && !m.bias && m.initialization == .xavier && m.freezeOutputLayer)
        let o = c.training.optimizer
        #expect(o.momentum == 0.9 && o.nesterov && o.weightDecay == .new(1e-4) && o.exemptBiasAndNorm && o.gradClip == 5)
        // 225 rows in batches of 16 → 15 steps per epoch (the last of 1 row skipped with BatchNorm), × 5 epochs.
        let direct = try ScheduleParser.parse(try JSON5Parser.parse(#"{ family: "cosine", lr: 0.1, t_max: 70 }"#),
                                              path: "schedule")
        #expect(c.schedule == direct)
    }

    @Test func csvDatasetAndWeightDecayShorthand() throws {
        let c = try parse("""
            { task: { dataset: { csv: "data/x.csv", target: "y", task: "regression" } },
              optimizer: { kind: "adamw", weight_decay: 0.05 }, schedule: { family: "constant", lr: 0.001 } }
            """)
        #expect(c.dataset == .csv(path: "data/x.csv", target: "y", task: .regression))
        #expect(c.training.optimizer.weightDecay == .decoupled(0.05))
        let d = try parse(#"{ task: { dataset: "iris" }, optimizer: { kind: "adamw" }, schedule: { family: "constant", lr: 1e-3 } }"#)
        #expect(d.training.optimizer.weightDecay == .decoupled(0.01))
    }

    @Test func jsonRoundTrips() throws {
        let texts = [
            #"{ task: { dataset: "wine" }, schedule: { family: "step", lr: 0.1, step_size: 5, gamma: 0.5 } }"#,
            """
            { seed: 3, task: { dataset: { name: "teacher", n: 200, features: 4 }, model: { hidden: [8], batch_norm: true },
              schedule_unit: "step" },
              optimizer: { kind: "adam", betas: [0.8, 0.99], weight_decay: { mode: "coupled", lambda: 0.001 } },
              schedule: { family: "onecycle", max_lr: 0.01, total_steps: 100 } }
            """,
        ]
        for text in texts {
            let c = try parse(text)
            let again = try TrialConfig.parse(JSONNode(c.json))
            #expect(again == c)
            #expect(JSONWriter.compact(again.json) == JSONWriter.compact(c.json))
        }
    }

    @Test func errorsNamePathAndPlace() {
        #expect(error(#"{ task: { dataset: "digit" }, schedule: { family: "constant", lr: 0.1 } }"#)
                == #"c.json5:1:20: task.dataset: unknown dataset "digit"; built-ins: digits, iris, wine, breast_cancer (did you mean 'digits'?)"#)
        #expect(error(#"{ task: { dataset: "iris", epoch: 3 }, schedule: { family: "constant", lr: 0.1 } }"#)
                == "c.json5:1:28: task: unknown key 'epoch' (did you mean 'epochs'?)")
        #expect(error(#"{ task: { dataset: "iris", batch_size: 0 }, schedule: { family: "constant", lr: 0.1 } }"#)
                == "c.json5:1:40: task.batch_size: must be >= 1, got 0")
        #expect(error(#"{ task: { dataset: "iris", val_fraction: 1 }, schedule: { family: "constant", lr: 0.1 } }"#)
                == "c.json5:1:42: task.val_fraction: must be in (0, 1), got 1")
        #expect(error(#"{ task: { dataset: "iris", model: { activation: "sigmoid" } }, schedule: { family: "constant", lr: 0.1 } }"#)
                == #"c.json5:1:49: task.model.activation: expected one of relu, tanh, gelu, got "sigmoid""#)
        #expect(error(#"{ task: { dataset: "iris" }, optimizer: { kind: "sgd", nesterov: true }, schedule: { family: "constant", lr: 0.1 } }"#)
                == "c.json5:1:66: optimizer.nesterov: needs momentum > 0 and dampening 0 (as PyTorch)")
        #expect(error(#"{ task: { dataset: "iris" }, optimizer: { kind: "adamw", weight_decay: { mode: "coupled", lambda: 0.1 } }, schedule: { family: "constant", lr: 0.1 } }"#)
                == "c.json5:1:80: optimizer.weight_decay.mode: adamw decays decoupled (PyTorch AdamW); use kind 'adam' for coupled L2")
        #expect(error(#"{ task: { dataset: "iris" }, optimizer: { weight_decay: { mode: "new" } }, schedule: { family: "constant", lr: 0.1 } }"#)
                == "c.json5:1:57: optimizer.weight_decay.lambda_new: is required for mode 'new'")
        #expect(error(#"{ task: { dataset: "iris" } }"#) == "c.json5:1:1: schedule: is required but missing")
        #expect(error(#"{ task: { dataset: "iris" }, schedule: { family: "constant", lr: 0.1 }, seeds: 1 }"#)
                == "c.json5:1:73: unknown key 'seeds' (did you mean 'seed'?)")
        #expect(error(#"{ task: { dataset: { csv: "x.csv" } }, schedule: { family: "constant", lr: 0.1 } }"#)
                == "c.json5:1:20: task.dataset.target: is required but missing")
    }

    @Test func weightDecayConversionsTakeOverTheOptimizersDecay() throws {
        let text = """
            { task: { dataset: "digits", schedule_unit: "step", epochs: 2 },
              optimizer: { kind: "sgd", momentum: 0.9, weight_decay: 5e-4 },
              schedule: { family: "explr", lr: 0.1 } }
            """
        let c = try parse(text, trainRows: 1437)
        #expect(c.schedule == .explr(lr: 0.1, weightDecay: 5e-4, momentum: 0.9))
        #expect(c.training.optimizer.weightDecay == WeightDecay.none)
        #expect(c.training.optimizer.momentum == 0.9)
        // λnew in the optimizer becomes λ = λnew/lr in the schedule; the other families keep the decay.
        let fromNew = try parse(text.replacingOccurrences(of: "weight_decay: 5e-4",
                                                          with: #"weight_decay: { mode: "new", lambda_new: 2e-5 }"#))
        #expect(fromNew.schedule == .explr(lr: 0.1, weightDecay: 2e-5 / 0.1, momentum: 0.9))
        let plain = try parse(text.replacingOccurrences(of: #"family: "explr""#, with: #"family: "constant""#))
        #expect(plain.training.optimizer.weightDecay == .coupled(5e-4))
        // Written back and read again, the trial is the same (its decay now lives in the schedule).
        let again = try TrialConfig.parse(JSONNode(c.json), trainRows: 1437)
        #expect(again == c)
    }

    @Test func weightDecayConversionsNeedHeavyBallSGDStepwise() {
        let base = """
            { task: { dataset: "digits", schedule_unit: "step" }, optimizer: { kind: "sgd", momentum: 0.9 },
              schedule: { family: "explr", lr: 0.1, weight_decay: 5e-4 } }
            """
        #expect(error(base.replacingOccurrences(of: #"kind: "sgd""#, with: #"kind: "adam""#))
                == "c.json5:1:66: optimizer: explr is the no-weight-decay equivalent of SGD with momentum "
                + "(no Nesterov, no dampening); got adam")
        #expect(error(base.replacingOccurrences(of: "weight_decay: 5e-4", with: "weight_decay: 5e-4, momentum: 0.5"))
                == "c.json5:1:66: optimizer.momentum: must equal the schedule's momentum (0.5) for explr; got 0.9")
        #expect(error(base.replacingOccurrences(of: #"schedule_unit: "step""#, with: #"schedule_unit: "epoch""#))
                == "c.json5:1:45: task.schedule_unit: must be \"step\" for explr: the equivalence holds per "
                + "optimizer step; got \"epoch\"")
    }
}
