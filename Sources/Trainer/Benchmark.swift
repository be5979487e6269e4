// Performance figures for `lrsearch bench`: single-thread GEMM throughput and the reference trial's config.

/// Measurements behind `lrsearch bench` (meaningful in release builds only).
public enum Benchmark {
    /// The GEMM shapes reported, as (M, K, N).
    public static let gemmShapes: [(m: Int, k: Int, n: Int)] = [(64, 64, 256), (64, 256, 256), (256, 256, 256),
                                                                 (512, 512, 512)]

    /// Single-thread GFLOP/s of `C (M, N) = op(A)·op(B)` in Float32: 2·M·N·K flops per call, the best of
    /// five timed batches, each repeating the call for at least `minSeconds`/5.
    /// With `threads` > 1 the product is always split (threshold 0), to measure where splitting pays.
    public static func gemmGFLOPS(_ form: GEMMForm, m: Int, k: Int, n: Int, minSeconds: Double = 0.5,
                                  threads: Int = 1) -> Double {
        let a = (0..<(m * k)).map { Float($0 % 17) * 0.01 }
        let b = (0..<(k * n)).map { Float($0 % 13) * 0.01 }
        var c = [Float](repeating: 0, count: m * n)
        var gemm = GEMM<Float>()
        gemm.reserve(k: k, n: n)
        let lda = form == .tn ? m : k, ldb = form == .nt ? k : n
        let clock = ContinuousClock()
        var best = 0.0
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    guard let pa = ap.baseAddress, let pb = bp.baseAddress, let pc = cp.baseAddress else { return }
                    for _ in 0..<5 {
                        var calls = 0
                        let start = clock.now
                        var elapsed = 0.0
                        repeat {
                            for _ in 0..<8 {
                                gemm.multiply(form, m: m, n: n, k: k, a: pa, lda: lda, b: pb, ldb: ldb,
                                              c: pc, ldc: n, accumulate: false, threads: threads, threshold: 0)
                            }
                            calls += 8
                            elapsed = Training.seconds(clock.now - start)
                        } while elapsed < minSeconds / 5
                        best = max(best, 2 * Double(m) * Double(n) * Double(k) * Double(calls) / elapsed / 1e9)
                    }
                }
            }
        }
        return best
    }

    /// The fastest single call of `C (M, N) = op(A)·op(B)` out of `calls`, in seconds, on `threads` threads
    /// (split whatever the size). The minimum over many short calls stays meaningful on a busy machine,
    /// where a batch of calls mostly measures how often the threads were descheduled.
    public static func gemmBestCallSeconds(_ form: GEMMForm, m: Int, k: Int, n: Int, threads: Int,
                                           calls: Int = 400) -> Double {
        let a = (0..<(m * k)).map { Float($0 % 17) * 0.01 }
        let b = (0..<(k * n)).map { Float($0 % 13) * 0.01 }
        var c = [Float](repeating: 0, count: m * n)
        var gemm = GEMM<Float>()
        let lda = form == .tn ? m : k, ldb = form == .nt ? k : n
        let clock = ContinuousClock()
        var best = Double.infinity
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    guard let pa = ap.baseAddress, let pb = bp.baseAddress, let pc = cp.baseAddress else { return }
                    for _ in 0..<calls {
                        let start = clock.now
                        gemm.multiply(form, m: m, n: n, k: k, a: pa, lda: lda, b: pb, ldb: ldb, c: pc, ldc: n,
                                      accumulate: false, threads: threads, threshold: 0)
                        best = min(best, Training.seconds(clock.now - start))
                    }
                }
            }
        }
        return best
    }

    /// The GEMM shapes (M, K, N) of `lrsearch bench --idle-cores`: batch-64 products of the sizes an MLP
    /// meets, around the split threshold.
    public static let threadShapes: [(m: Int, k: Int, n: Int)] = [
        (64, 64, 64), (64, 64, 128), (64, 128, 128), (64, 64, 256), (64, 128, 256), (64, 256, 256), (64, 256, 512),
        (64, 1024, 1024),
    ]

    /// The idle-cores trial: the reference settings with hidden [1024, 1024] and 3 epochs.
    public static var idleCoresConfig: TrainingConfig {
        var config = referenceConfig
        config.model.hidden = [1024, 1024]
        config.epochs = 3
        return config
    }

    /// The reference trial's training settings: hidden [256, 256], ReLU, no BatchNorm, SGD momentum 0.9,
    /// batch 64, 20 epochs, per-epoch schedule (cosine, lr 0.1, in `lrsearch bench`), seed 0.
    public static var referenceConfig: TrainingConfig {
        TrainingConfig(model: ModelConfig(hidden: [256, 256], activation: .relu),
                       optimizer: OptimizerConfig(kind: .sgd, momentum: 0.9),
                       epochs: 20, batchSize: 64, scheduleUnit: .epoch, seed: 0)
    }
}
