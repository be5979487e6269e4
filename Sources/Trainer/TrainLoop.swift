// The training loop: seeded shuffles, mini-batch steps with the scheduled LR, validation, divergence and pruning.

import LRSchedules

/// Runs trials. Everything a run touches is created inside `run` from its arguments (one RNG seeded
/// with `config.seed`, the model, the optimizer), so concurrent runs share only the read-only dataset,
/// and the same config, data and seed give bit-identical metrics (timings aside).
public enum Training {
    /// Trains in Float32 (the fast path).
    public static func run(
        config: TrainingConfig, dataset: Dataset, schedule: LRScheduler, cores: CoreBudget = .single,
        onEpoch: (EpochMetrics) -> EpochDecision = { _ in .continue }
    ) -> TrainingResult {
        run(Float.self, config: config, dataset: dataset, schedule: schedule, cores: cores, onEpoch: onEpoch)
    }

    /// Trains in precision `T`.
    ///
    /// Each epoch: shuffle the training rows with the trial RNG; for each mini-batch, forward in
    /// training mode, loss (batch mean), backward, one optimizer step with `schedule.learningRate` (and
    /// `schedule.momentum` when a cycling schedule sets it), and
    /// `schedule.step()` when the unit is `.step`; then evaluate on the validation rows (BatchNorm in
    /// evaluation mode), record the metrics, and step the schedule when the unit is `.epoch` (a
    /// schedule that needs a metric is stepped here with the validation loss, whatever the unit).
    ///
    /// The run ends `diverged` as soon as a step's loss is NaN or infinite, or an epoch's train or
    /// validation loss is not finite or its train loss exceeds `divergenceFactor` × the first epoch's;
    /// `pruned` when `onEpoch` returns `.stop` before the last epoch; `ok` otherwise.
    ///
    /// `cores` is read once per step (and once per evaluation): the threads the step's large GEMMs may
    /// use. It changes the speed only; the metrics are bit-identical for any thread count.
    ///
    /// Regression losses are reported in the target's original units (the model trains on the target
    /// standardised with the training split's statistics, see `Dataset`): the mean over rows and
    /// outputs of σₖ²·(pᵢₖ − tᵢₖ)², which is the mean squared error of the predictions mapped back.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func run<T: TrainerScalar>(
        _ precision: T.Type, config: TrainingConfig, dataset: Dataset, schedule: LRScheduler,
        cores: CoreBudget = .single, onEpoch: (EpochMetrics) -> EpochDecision = { _ in .continue }
    ) -> TrainingResult {
        // One loop for every run: a fresh `TrainingState` trained to the end is exactly this run (PBT
        // trains the same state a few epochs at a time, copies it and continues).
        let clock = ContinuousClock()
        let runStart = clock.now
        var state = TrainingState<T>(config: config, dataset: dataset, schedule: schedule, threads: cores.threadsPerTrial)
        state.run(epochs: config.epochs, cores: cores, onEpoch: onEpoch)
        return TrainingResult(status: state.status, epochs: state.history, steps: state.steps,
                              seconds: seconds(clock.now - runStart))
    }

    /// The model and optimizer a run starts from: weights drawn from `rng` (the trial RNG, which then
    /// goes on to shuffle the batches), fresh optimizer state.
    static func freshModel<T: TrainerScalar>(_ t: T.Type, config: TrainingConfig, dataset: Dataset, threads: Int = 1,
                                             using rng: inout SplitMix64) -> (MLP<T>, Optimizer<T>) {
        // No batch holds more rows than the training split: size the buffers by that, not batch_size.
        let maxBatch = max(1, min(config.batchSize, dataset.train.count))
        let model = MLP<T>(inputs: dataset.features, outputs: dataset.outputs, config: config.model,
                           maxBatch: maxBatch, threads: threads, using: &rng)
        return (model, Optimizer<T>(config: config.optimizer, parameterCount: model.parameterCount))
    }

    /// One mini-batch step: copy the rows in, forward in training mode, the loss (batch mean),
    /// backward and one optimizer step at `lr`. Returns the batch's loss sum; when it is not finite
    /// the model is left as it was and no step is taken.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func trainBatch<T: TrainerScalar>(_ model: inout MLP<T>, _ optimizer: inout Optimizer<T>, rows: ArraySlice<Int>,
                                             x: [T], y: [T], features d: Int, width w: Int, loss: LossKind,
                                             lr: Double, momentum: Double? = nil, units: [Double] = []) -> Double {
        gather(into: &model, rows: rows, x: x, y: y, features: d, width: w)
        model.forward(rows: rows.count, training: true)
        let (sum, _) = model.loss(loss, rows: rows.count, gradient: true, units: units)
        guard sum.isFinite else { return sum }
        model.backward(rows: rows.count)
        optimizer.step(parameters: &model.parameters, gradients: &model.gradients, segments: model.segments, lr: lr,
                       momentum: momentum, threads: model.threads)
        return sum
    }

    /// c·θ on the trainable segments, 0 on the frozen ones.
    static func initialBuffer<T: TrainerScalar>(_ model: MLP<T>, coefficient c: T) -> [T] {
        var buffer = [T](repeating: 0, count: model.parameterCount)
        for segment in model.segments where segment.trainable {
            for i in segment.range { buffer[i] = c * model.parameters[i] }
        }
        return buffer
    }

    /// Copies the rows `indices` of (x, y) into the model's input and target buffers.
    @_specialize(where T == Float, I == Range<Int>)
    @_specialize(where T == Float, I == ArraySlice<Int>)
    static func gather<T: TrainerScalar, I: Collection<Int>>(into model: inout MLP<T>, rows indices: I, x: [T], y: [T],
                                         features d: Int, width w: Int) {
        model.withInputAndTargets { xb, yb in
            x.withUnsafeBufferPointer { xs in
                y.withUnsafeBufferPointer { ys in
                    guard let xi = xb.baseAddress, let yi = yb.baseAddress,
                          let xsrc = xs.baseAddress, let ysrc = ys.baseAddress else { return }
                    for (r, i) in indices.enumerated() {
                        (xi + r * d).update(from: xsrc + i * d, count: d)
                        (yi + r * w).update(from: ysrc + i * w, count: w)
                    }
                }
            }
        }
    }

    /// What one evaluation pass measured; `r2` and `mae` only for regression with a `reference`.
    struct Evaluation {
        var loss: Double
        var accuracy: Double
        var r2: Double?
        var mae: Double?
    }

    /// Mean loss (in original units, see `run`) and accuracy over `rows` rows in evaluation mode, in
    /// chunks of the model's batch size; for regression also R² and the mean absolute error
    /// (`RegressionReference.metrics`).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func evaluate<T: TrainerScalar>(_ model: inout MLP<T>, x: [T], y: [T], rows: Int, features d: Int,
                                           width w: Int, loss: LossKind, units: [Double] = [],
                                           reference: RegressionReference? = nil) -> Evaluation {
        guard rows > 0 else { return Evaluation(loss: .nan, accuracy: .nan) }
        var total = 0.0, correct = 0
        var errors = RegressionErrors(outputs: reference?.sst.count ?? 0)
        var lo = 0
        while lo < rows {
            let b = min(model.maxBatch, rows - lo)
            gather(into: &model, rows: lo..<(lo + b), x: x, y: y, features: d, width: w)
            model.forward(rows: b, training: false)
            let (sum, right) = model.loss(loss, rows: b, gradient: false, units: units)
            if reference != nil { model.accumulateErrors(rows: b, into: &errors) }
            total += sum
            correct += right
            lo += b
        }
        var result = Evaluation(loss: total / Double(rows), accuracy: Double(correct) / Double(rows))
        if let reference {
            (result.r2, result.mae) = reference.metrics(errors, rows: rows)
        }
        return result
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
