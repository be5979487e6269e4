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

    func multiply<T: TrainerScalar>(_ gemm: inout GEMM<T>, _ form: GEMMForm, _ a: [T], _ b: [T], _ c: inout [T],
                                    m: Int, n: Int, k: Int, accumulate: Bool) {
        let lda = form == .tn ? m : k
        let ldb = form == .nt ? k : n
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    gemm.multiply(form, m: m, n: n, k: k, a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb,
                                  c: cp.baseAddress!, ldc: n, accumulate: accumulate)
                }
            }
        }
    }
}
