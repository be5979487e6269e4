// The fast GEMM in all three forms against the naive triple loop, on odd and blocked shapes.

import Testing
import TestSupport
import Trainer

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
}
