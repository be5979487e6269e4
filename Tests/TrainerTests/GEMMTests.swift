// The fast GEMM in all three forms against the naive triple loop, on odd and blocked shapes.

import Testing
import TestSupport
@testable import Trainer
import Dispatch

struct GEMMTests {
    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (7, 13, 5), (13, 7, 33), (33, 65, 17), (65, 33, 64), (6, 16, 256), (64, 257, 300), (97, 40, 520),
    ]

    @Test(arguments: GEMMForm.allCases)
    func fastMatchesNaiveOnOddShapes(form: GEMMForm) {
        for (m, n, k) in Self.shapes {
            let a = randomArray(m * k, seed: UInt64(m * 1000 + k)).map { Float($0) }
            let b = randomArray(k * n, seed: UInt64(n * 1000 + k + 7)).map { Float($0) }
            let expected = matmulNaive(form, a, b, m: m, n: n, k: k)
            var c = [Float](repeating: .nan, count: m * n)
            var gemm = GEMM<Float>()
            multiply(&gemm, form, a, b, &c, m: m, n: n, k: k, accumulate: false)
            // Float sums of up to 520 products of values in [-1, 1]: 1e-4 absolute is ~100 ulps of the sum.
            for i in 0..<(m * n) where abs(c[i] - expected[i]) > 1e-4 {
                Issue.record("\(form) \(m)×\(n)×\(k): element \(i) is \(c[i]), naive \(expected[i])")
                break
            }
        }
    }

    @Test(arguments: GEMMForm.allCases)
    func accumulateAddsToC(form: GEMMForm) {
        let (m, n, k) = (9, 21, 300)
        let a = randomArray(m * k, seed: 1), b = randomArray(k * n, seed: 2)
        let product = matmulNaive(form, a, b, m: m, n: n, k: k)
        var c = [Double](repeating: 1.5, count: m * n)
        var gemm = GEMM<Double>()
        multiply(&gemm, form, a, b, &c, m: m, n: n, k: k, accumulate: true)
        // Double: 1e-12 absolute for sums of 300 terms of size ≤ 1.
        for i in 0..<(m * n) { expectClose(c[i], product[i] + 1.5, absolute: 1e-12, "\(form) element \(i)") }
    }

    /// Shapes whose row tiles, panels and k blocks (256) all come out ragged, as (M, N, K).
    static let threadedShapes: [(Int, Int, Int)] = [
        (1, 1, 1), (7, 13, 5), (129, 257, 63), (13, 7, 600), (64, 1024, 300), (33, 100, 700), (97, 40, 520),
        (600, 17, 1),
    ]

    /// Splitting the output over threads changes nothing, to the bit: every element is summed by the same
    /// kernel over the same k blocks (threshold 0 forces the split even for tiny products).
    @Test(arguments: GEMMForm.allCases)
    func threadedIsBitIdenticalToOneThread(form: GEMMForm) {
        for (m, n, k) in Self.threadedShapes {
            let a = randomArray(m * k, seed: UInt64(m * 31 + k)).map { Float($0) }
            let b = randomArray(k * n, seed: UInt64(n * 17 + k)).map { Float($0) }
            let start = randomArray(m * n, seed: 5).map { Float($0) }
            for accumulate in [false, true] {
                var single = start
                var gemm = GEMM<Float>()
                multiply(&gemm, form, a, b, &single, m: m, n: n, k: k, accumulate: accumulate)
                for threads in [2, 3, 4, 7] {
                    var split = start
                    var threaded = GEMM<Float>()
                    multiply(&threaded, form, a, b, &split, m: m, n: n, k: k, accumulate: accumulate,
                             threads: threads, threshold: 0)
                    let same = zip(single, split).allSatisfy { $0.bitPattern == $1.bitPattern }
                    #expect(same, "\(form) \(m)×\(n)×\(k) accumulate \(accumulate), \(threads) threads")
                }
            }
        }
    }

    @Test func threadedMatchesNaiveInDouble() {
        let (m, n, k) = (129, 257, 63)
        let a = randomArray(m * k, seed: 3), b = randomArray(k * n, seed: 4)
        let expected = matmulNaive(.nn, a, b, m: m, n: n, k: k)
        var c = [Double](repeating: .nan, count: m * n)
        var gemm = GEMM<Double>()
        multiply(&gemm, .nn, a, b, &c, m: m, n: n, k: k, accumulate: false, threads: 2, threshold: 0)
        // Double: 1e-12 absolute for sums of 63 terms of size ≤ 1.
        for i in 0..<(m * n) { expectClose(c[i], expected[i], absolute: 1e-12, "element \(i)") }
    }

    func multiply<T: TrainerScalar>(_ gemm: inout GEMM<T>, _ form: GEMMForm, _ a: [T], _ b: [T], _ c: inout [T],
                                    m: Int, n: Int, k: Int, accumulate: Bool, threads: Int = 1, threshold: Int = 0) {
        let lda = form == .tn ? m : k
        let ldb = form == .nt ? k : n
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    gemm.multiply(form, m: m, n: n, k: k, a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb,
                                  c: cp.baseAddress!, ldc: n, accumulate: accumulate, threads: threads,
                                  threshold: threshold)
                }
            }
        }
    }

    /// The fused epilogues (bias + activation after `nn`, the bias gradient as column sums of B after
    /// `tn`, the activation derivative after `nt`) give, on any thread count, exactly the values of the
    /// separate whole-matrix loops the training passes ran before they were fused.
    @Test(arguments: GEMMForm.allCases)
    func epilogueIsBitIdenticalToSeparatePasses(form: GEMMForm) {
        for (m, n, k) in Self.threadedShapes {
            let a = randomArray(m * k, seed: UInt64(m * 7 + k)).map { Float($0) }
            let b = randomArray(k * n, seed: UInt64(n * 5 + k)).map { Float($0) }
            let bias = randomArray(n, seed: 9).map { Float($0) }
            let x = randomArray(m * n, seed: 10).map { Float($0) }
            for f in Activation.allCases {
                let y = x.map { v -> Float in
                    var out: Float = 0
                    withUnsafePointer(to: v) { ActivationKernels.forward(f, x: $0, y: &out, count: 1) }
                    return out
                }
                // The reference: the product, then the passes over the whole matrix.
                var product = [Float](repeating: 0, count: m * n)
                var reference = GEMM<Float>()
                multiply(&reference, form, a, b, &product, m: m, n: n, k: k, accumulate: false)
                var expected = product, expectedOut = [Float](repeating: 0, count: m * n)
                var expectedSums = [Float](repeating: 0, count: n)
                switch form {
                case .nn:
                    for r in 0..<m { for j in 0..<n { expected[r * n + j] += bias[j] } }
                    ActivationKernels.forward(f, x: expected, y: &expectedOut, count: m * n)
                case .tn:
                    for p in 0..<k { for j in 0..<n { expectedSums[j] += b[p * n + j] } }
                case .nt:
                    ActivationKernels.backward(f, x: x, y: y, g: &expected, count: m * n)
                }
                for threads in [1, 2, 3, 7] {
                    var c = [Float](repeating: .nan, count: m * n), out = [Float](repeating: .nan, count: m * n)
                    var sums = [Float](repeating: .nan, count: n)
                    var gemm = GEMM<Float>()
                    let lda = form == .tn ? m : k, ldb = form == .nt ? k : n
                    a.withUnsafeBufferPointer { ap in
                        b.withUnsafeBufferPointer { bp in
                            bias.withUnsafeBufferPointer { biasp in
                                x.withUnsafeBufferPointer { xp in
                                    y.withUnsafeBufferPointer { yp in
                                        c.withUnsafeMutableBufferPointer { cp in
                                            out.withUnsafeMutableBufferPointer { op in
                                                sums.withUnsafeMutableBufferPointer { sp in
                                                    let epilogue = switch form {
                                                    case .nn: GEMMEpilogue<Float>(bias: biasp.baseAddress!, activation: f,
                                                                                  out: op.baseAddress!)
                                                    case .tn: GEMMEpilogue<Float>(columnSums: sp.baseAddress!)
                                                    case .nt: GEMMEpilogue<Float>(derivative: f, x: xp.baseAddress!,
                                                                                  y: yp.baseAddress!)
                                                    }
                                                    gemm.multiply(form, m: m, n: n, k: k, a: ap.baseAddress!, lda: lda,
                                                                  b: bp.baseAddress!, ldb: ldb, c: cp.baseAddress!,
                                                                  ldc: n, accumulate: false, threads: threads,
                                                                  threshold: 0, epilogue: epilogue)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    let what = "\(form) \(m)×\(n)×\(k) \(f) on \(threads) threads"
                    #expect(c.map(\.bitPattern) == expected.map(\.bitPattern), "\(what): product")
                    if form == .nn { #expect(out.map(\.bitPattern) == expectedOut.map(\.bitPattern), "\(what): out") }
                    if form == .tn { #expect(sums.map(\.bitPattern) == expectedSums.map(\.bitPattern), "\(what): sums") }
                }
            }
        }
    }

    /// `forEachChunk` runs every chunk exactly once, whatever the thread and chunk counts, also when
    /// several callers compete for the helper threads at once.
    @Test func forEachChunkRunsEveryChunkOnce() {
        final class Counts: @unchecked Sendable {
            var hits: [Int]
            init(_ n: Int) { hits = [Int](repeating: 0, count: n) }
        }
        for chunks in [0, 1, 2, 3, 17, 64] {
            for threads in [1, 2, 3, 8] {
                let counts = Counts(chunks)
                counts.hits.withUnsafeMutableBufferPointer { hp in
                    let p = SharedCounts(p: hp.baseAddress)
                    forEachChunk(chunks, threads: threads) { c in p.p?[c] += 1 }
                }
                #expect(counts.hits == [Int](repeating: 1, count: chunks), "\(chunks) chunks, \(threads) threads")
            }
        }
        let callers = 4, chunks = 33
        let counts = Counts(callers * chunks * 50)
        counts.hits.withUnsafeMutableBufferPointer { hp in
            let p = SharedCounts(p: hp.baseAddress)
            DispatchQueue.concurrentPerform(iterations: callers) { caller in
                for round in 0..<50 {
                    let base = (caller * 50 + round) * chunks
                    forEachChunk(chunks, threads: 3) { c in p.p?[base + c] += 1 }
                }
            }
        }
        #expect(counts.hits.allSatisfy { $0 == 1 })
    }
}

/// A counter array as the chunk threads see it (each chunk writes its own element).
struct SharedCounts: @unchecked Sendable {
    let p: UnsafeMutablePointer<Int>?
}
