// Matrix multiply in the three forms training needs: the naive reference and the SIMD, cache-blocked kernel.

import Dispatch

/// Which operand is transposed in `C (M, N) = op(A) · op(B)`; all matrices are row-major.
///
/// | form | A stored | B stored | used for |
/// |---|---|---|---|
/// | `nn` | (M, K) | (K, N) | forward: `Y = X·W` |
/// | `tn` | (K, M) | (K, N) | weight gradient: `dW = Xᵀ·dY` |
/// | `nt` | (M, K) | (N, K) | input gradient: `dX = dY·Wᵀ` |
public enum GEMMForm: String, Sendable, CaseIterable {
    case nn, tn, nt
}

/// The reference triple loop, `C (+)= op(A)·op(B)`, summing over k in order. Kept next to the fast
/// kernel as the definition every test compares against.
///
/// - Parameters: `lda`, `ldb`, `ldc` are the row strides of the matrices as stored.
public func matmulNaive<T: TrainerScalar>(
    _ form: GEMMForm, m: Int, n: Int, k: Int,
    a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
    c: UnsafeMutablePointer<T>, ldc: Int, accumulate: Bool
) {
    for i in 0..<m {
        for j in 0..<n {
            var sum: T = accumulate ? c[i * ldc + j] : 0
            for p in 0..<k {
                let x = form == .tn ? a[p * lda + i] : a[i * lda + p]
                let y = form == .nt ? b[j * ldb + p] : b[p * ldb + j]
                sum += x * y
            }
            c[i * ldc + j] = sum
        }
    }
}

/// Array convenience for `matmulNaive`: returns C (M, N) = op(A)·op(B) with packed (unpadded) strides.
public func matmulNaive<T: TrainerScalar>(_ form: GEMMForm, _ a: [T], _ b: [T], m: Int, n: Int, k: Int) -> [T] {
    var c = [T](repeating: 0, count: m * n)
    let lda = form == .tn ? m : k
    let ldb = form == .nt ? k : n
    a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
                guard let a = ap.baseAddress, let b = bp.baseAddress, let c = cp.baseAddress else { return }
                matmulNaive(form, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: n, accumulate: false)
            }
        }
    }
    return c
}

/// The fast GEMM: `C (+)= op(A)·op(B)` for the three `GEMMForm`s, single-threaded.
///
/// Blocking (Goto/BLIS style): k in blocks of `kc` = 256; for each block, B's rows are packed into
/// panels of `nr` = 16 columns (k-major, zero-padded at the right edge) so the micro-kernel reads
/// them contiguously; rows of C go in blocks of `mc` = 96 (A's block stays in L2), and the 6×16
/// micro-kernel holds its tile of C in twelve `SIMD8` accumulators, broadcasting one element of A per
/// row and fusing multiply-adds over the k block. A is read in place through a (row, column) stride
/// pair, which covers both `nn`/`nt` (row-major A) and `tn` (A stored transposed). Edge tiles repeat
/// the last valid row of A and store only the valid part of the tile.
///
/// The packing buffer is the only memory; `reserve(k:n:)` sizes it once, so steady-state calls allocate
/// nothing.
///
/// With `threads` > 1 and at least `parallelThreshold` multiply-adds, the product is split over
/// threads in one parallel region (`forEachChunk`, on persistent helper threads): the output is partitioned into
/// fixed chunks of whole 16-column panels (up to `chunksPerThread` per thread), and whichever thread
/// takes a chunk packs its panels of op(B) and computes every row of them.
/// Only the output is partitioned, never the sum over k: every element of C is computed by one thread,
/// by the same kernel over the same k blocks in the same order as on one thread, so the result is
/// bit-identical whatever `threads` is. The threads share the packing buffer (disjoint panels), so the
/// split needs no extra memory.
///
/// Why column panels rather than row blocks: the products of training have M = batch rows (64) in two
/// of the three forms, which is 11 tiles of 6 rows (a 6 : 5 split on 2 threads), and every row block
/// needs all of op(B) packed before any thread starts (two dispatches, and B read by every thread);
/// N = the layer width splits evenly into panels, each thread reads only its half of B, and one
/// dispatch suffices. Measured (bench --idle-cores, fastest of 400 calls, 2 threads vs 1), the row
/// split reached 1.1–1.5× at (64, 256, 256)…(64, 1024, 1024) where the panel split reached 1.4–1.9×.
public struct GEMM<T: TrainerScalar>: Sendable {
    static var mr: Int { 6 }
    static var nr: Int { 16 }
    static var kc: Int { 256 }
    static var mc: Int { 96 }

    private var packed: [T] = []

    public init() {}

    /// Makes room for products with inner dimension up to `k` and up to `n` columns.
    public mutating func reserve(k: Int, n: Int) {
        let need = Swift.min(k, Self.kc) * ((n + Self.nr - 1) / Self.nr) * Self.nr
        if packed.count < need { packed = [T](repeating: 0, count: need) }
    }

    /// The fewest multiply-adds (M·N·K) worth splitting over threads: 2¹⁸ (262,144).
    ///
    /// Measured with `chrt -f 10 lrsearch bench --idle-cores` (release build, 2-core Intel Xeon VM,
    /// Float32, batch M = 64, the fastest of 400 calls, both cores kept for the bench by real-time
    /// priority while other builds ran), µs on 1 thread → 2 threads, forms nn / tn / nt:
    ///
    /// | (M, K, N) | M·N·K | nn | tn | nt |
    /// |---|---|---|---|---|
    /// | (64, 64, 64) | 262,144 | 7.4 → 5.4 | 7.6 → 5.4 | 7.9 → 5.7 |
    /// | (64, 64, 128) | 524,288 | 13.9 → 9.3 | 14.1 → 9.5 | 16.0 → 10.4 |
    /// | (64, 128, 128) | 1,048,576 | 31.3 → 18.0 | 31.2 → 18.5 | 30.7 → 17.9 |
    /// | (64, 128, 256) | 2,097,152 | 62.1 → 35.1 | 62.0 → 35.7 | 61.8 → 36.3 |
    /// | (64, 256, 256) | 4,194,304 | 123.4 → 67.9 | 124.4 → 68.6 | 122.0 → 65.6 |
    /// | (64, 256, 512) | 8,388,608 | 242.1 → 127.6 | 245.3 → 128.7 | 243.6 → 126.1 |
    /// | (64, 1024, 1024) | 67,108,864 | 2152 → 1192 | 2126 → 1094 | 2193 → 1042 |
    ///
    /// With the regions on Dispatch (which parks its threads between them) the split paid only from 2M
    /// multiply-adds (the threshold was 2²¹); the spinning helpers of `forEachChunk` make the second
    /// thread worth 1.4× already at 262K and 1.7× from 1M. Smaller products were not measured and stay
    /// on one thread.
    public static var parallelThreshold: Int { 1 << 18 }

    /// Chunks of output panels per thread in a split product (see `forEachChunk`).
    static var chunksPerThread: Int { 8 }

    /// `C (M, N) = op(A)·op(B)`, or `C += op(A)·op(B)` when `accumulate`, on up to `threads` threads
    /// when the product has at least `threshold` multiply-adds (bit-identical to one thread).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public mutating func multiply(
        _ form: GEMMForm, m: Int, n: Int, k: Int,
        a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
        c: UnsafeMutablePointer<T>, ldc: Int, accumulate: Bool,
        threads: Int = 1, threshold: Int = GEMM.parallelThreshold
    ) {
        multiply(form, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate,
                 threads: threads, threshold: threshold, epilogue: GEMMEpilogue())
    }

    /// `multiply`, then `epilogue` on the product's columns: in a split product each chunk applies it
    /// to its own columns as soon as they are final (on the same thread, while they are in cache), so
    /// the elementwise passes around a product are split with it; the values are those of applying it
    /// after the whole product.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    mutating func multiply(
        _ form: GEMMForm, m: Int, n: Int, k: Int,
        a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
        c: UnsafeMutablePointer<T>, ldc: Int, accumulate: Bool,
        threads: Int = 1, threshold: Int = GEMM.parallelThreshold, epilogue: GEMMEpilogue<T>
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            if !accumulate { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            epilogue.apply(columns: 0..<n, m: m, k: k, b: b, ldb: ldb, c: c, ldc: ldc)
            return
        }
        let (ars, acs) = form == .tn ? (1, lda) : (lda, 1)
        let panels = (n + Self.nr - 1) / Self.nr
        // Panel q of every k block lives at pack + q·slot, a slot sized for the longest k block, so
        // threads at different k blocks never write into each other's panels.
        let slot = Swift.min(k, Self.kc) * Self.nr
        reserve(k: k, n: n)
        let work = Double(m) * Double(n) * Double(k)
        let blocks = threads > 1 && work >= Double(threshold) ? Swift.min(threads, panels) : 1
        if blocks > 1 {
            packed.withUnsafeMutableBufferPointer { pb in
                guard let pack = pb.baseAddress else { return }
                let shared = SharedOperands(a: a, b: b, c: c, pack: pack)
                // Chunk q owns panels [q·panels/chunks, (q+1)·panels/chunks): whichever thread takes it
                // packs them into their own places in the shared buffer, k block by k block, and computes
                // every row of them. Several chunks per thread, so a late thread holds up at most one.
                let chunks = Swift.min(panels, blocks * Self.chunksPerThread)
                forEachChunk(chunks, threads: blocks) { q in
                    let share = (q * panels / chunks)..<((q + 1) * panels / chunks)
                    var p0 = 0
                    while p0 < k {
                        let kb = Swift.min(Self.kc, k - p0)
                        Self.packB(form, b: shared.b, ldb: ldb, n: n, p0: p0, kb: kb, panels: share, slot: slot,
                                   into: shared.pack)
                        Self.blockProduct(rows: 0..<m, panels: share, slot: slot, n: n, kb: kb, p0: p0, a: shared.a,
                                          ars: ars, acs: acs, pack: shared.pack, c: shared.c, ldc: ldc,
                                          overwrite: p0 == 0 && !accumulate)
                        p0 += kb
                    }
                    epilogue.apply(columns: (share.lowerBound * Self.nr)..<Swift.min(n, share.upperBound * Self.nr),
                                   m: m, k: k, b: shared.b, ldb: ldb, c: shared.c, ldc: ldc)
                }
            }
            return
        }
        packed.withUnsafeMutableBufferPointer { pb in
            guard let pack = pb.baseAddress else { return }
            var p0 = 0
            while p0 < k {
                let kb = Swift.min(Self.kc, k - p0)
                Self.packB(form, b: b, ldb: ldb, n: n, p0: p0, kb: kb, panels: 0..<panels, slot: slot, into: pack)
                Self.blockProduct(rows: 0..<m, panels: 0..<panels, slot: slot, n: n, kb: kb, p0: p0, a: a, ars: ars,
                                  acs: acs, pack: pack, c: c, ldc: ldc, overwrite: p0 == 0 && !accumulate)
                p0 += kb
            }
        }
        epilogue.apply(columns: 0..<n, m: m, k: k, b: b, ldb: ldb, c: c, ldc: ldc)
    }

    /// `C[rows, panels] (+)= A[rows, p0..<p0+kb] · Bpacked[panels]` for one packed k block: rows in
    /// blocks of `mc`, then panel by panel, then 6-row tiles through the micro-kernel.
    @inline(__always)
    static func blockProduct(rows: Range<Int>, panels: Range<Int>, slot: Int, n: Int, kb: Int, p0: Int, a: UnsafePointer<T>,
                             ars: Int, acs: Int, pack: UnsafeMutablePointer<T>, c: UnsafeMutablePointer<T>, ldc: Int,
                             overwrite: Bool) {
        var i0 = rows.lowerBound
        while i0 < rows.upperBound {
            let ib = Swift.min(mc, rows.upperBound - i0)
            for panel in panels {
                let j0 = panel * nr
                let bp = UnsafePointer(pack + panel * slot)
                var ir = i0
                while ir < i0 + ib {
                    kernel(kb: kb, a: a + ir * ars + p0 * acs, ars: ars, acs: acs, rows: Swift.min(mr, i0 + ib - ir),
                           b: bp, c: c + ir * ldc + j0, ldc: ldc, cols: Swift.min(nr, n - j0), overwrite: overwrite)
                    ir += mr
                }
            }
            i0 += ib
        }
    }

    /// Packs rows `p0..<p0+kb` of op(B) (kb × n) into panels of 16 columns: panel q (of `panels`) goes
    /// to `pack + q·slot` (slot ≥ kb·16) and holds, for each p, the 16 values op(B)[p, 16q ..< 16q+16],
    /// zero beyond column n.
    @inline(__always)
    static func packB(_ form: GEMMForm, b: UnsafePointer<T>, ldb: Int, n: Int, p0: Int, kb: Int, panels: Range<Int>,
                      slot: Int, into pack: UnsafeMutablePointer<T>) {
        for q in panels {
            let dst = pack + q * slot
            let j0 = q * nr
            let w = Swift.min(nr, n - j0)
            if form == .nt {
                // op(B)[p, j] = B[j, p]: B is (N, K).
                for p in 0..<kb {
                    for jj in 0..<w { dst[p * nr + jj] = b[(j0 + jj) * ldb + p0 + p] }
                    for jj in w..<nr { dst[p * nr + jj] = 0 }
                }
            } else {
                for p in 0..<kb {
                    let src = b + (p0 + p) * ldb + j0
                    if w == nr {
                        (dst + p * nr).update(from: src, count: nr)
                    } else {
                        for jj in 0..<w { dst[p * nr + jj] = src[jj] }
                        for jj in w..<nr { dst[p * nr + jj] = 0 }
                    }
                }
            }
        }
    }

    /// The 6×16 micro-kernel: `C[0..<rows, 0..<cols] (+)= Σ_p A[r, p]·Bpanel[p, 0..<16]`.
    /// `A[r, p]` is at `a + r·ars + p·acs`; `b` is a packed panel (kb × 16, contiguous).
    @inline(__always)
    static func kernel(kb: Int, a: UnsafePointer<T>, ars: Int, acs: Int, rows: Int, b: UnsafePointer<T>,
                       c: UnsafeMutablePointer<T>, ldc: Int, cols: Int, overwrite: Bool) {
        // Rows past the edge read the last valid row again; their results are never stored.
        let a0 = a
        let a1 = a + Swift.min(1, rows - 1) * ars
        let a2 = a + Swift.min(2, rows - 1) * ars
        let a3 = a + Swift.min(3, rows - 1) * ars
        let a4 = a + Swift.min(4, rows - 1) * ars
        let a5 = a + Swift.min(5, rows - 1) * ars
        var c00 = SIMD8<T>(), c01 = SIMD8<T>(), c10 = SIMD8<T>(), c11 = SIMD8<T>()
        var c20 = SIMD8<T>(), c21 = SIMD8<T>(), c30 = SIMD8<T>(), c31 = SIMD8<T>()
        var c40 = SIMD8<T>(), c41 = SIMD8<T>(), c50 = SIMD8<T>(), c51 = SIMD8<T>()
        var bp = b
        var off = 0
        for _ in 0..<kb {
            let b0 = load(bp), b1 = load(bp + 8)
            var x = SIMD8<T>(repeating: a0[off])
            c00.addProduct(x, b0); c01.addProduct(x, b1)
            x = SIMD8<T>(repeating: a1[off])
            c10.addProduct(x, b0); c11.addProduct(x, b1)
            x = SIMD8<T>(repeating: a2[off])
            c20.addProduct(x, b0); c21.addProduct(x, b1)
            x = SIMD8<T>(repeating: a3[off])
            c30.addProduct(x, b0); c31.addProduct(x, b1)
            x = SIMD8<T>(repeating: a4[off])
            c40.addProduct(x, b0); c41.addProduct(x, b1)
            x = SIMD8<T>(repeating: a5[off])
            c50.addProduct(x, b0); c51.addProduct(x, b1)
            bp += nr
            off += acs
        }
        if rows == mr && cols == nr {
            store(c00, c01, to: c, overwrite: overwrite)
            store(c10, c11, to: c + ldc, overwrite: overwrite)
            store(c20, c21, to: c + 2 * ldc, overwrite: overwrite)
            store(c30, c31, to: c + 3 * ldc, overwrite: overwrite)
            store(c40, c41, to: c + 4 * ldc, overwrite: overwrite)
            store(c50, c51, to: c + 5 * ldc, overwrite: overwrite)
            return
        }
        storeEdge(c00, c01, to: c, cols: cols, overwrite: overwrite)
        if rows > 1 { storeEdge(c10, c11, to: c + ldc, cols: cols, overwrite: overwrite) }
        if rows > 2 { storeEdge(c20, c21, to: c + 2 * ldc, cols: cols, overwrite: overwrite) }
        if rows > 3 { storeEdge(c30, c31, to: c + 3 * ldc, cols: cols, overwrite: overwrite) }
        if rows > 4 { storeEdge(c40, c41, to: c + 4 * ldc, cols: cols, overwrite: overwrite) }
        if rows > 5 { storeEdge(c50, c51, to: c + 5 * ldc, cols: cols, overwrite: overwrite) }
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<T>) -> SIMD8<T> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
    }

    @inline(__always)
    static func store(_ lo: SIMD8<T>, _ hi: SIMD8<T>, to p: UnsafeMutablePointer<T>, overwrite: Bool) {
        let raw = UnsafeMutableRawPointer(p)
        if overwrite {
            raw.storeBytes(of: lo, as: SIMD8<T>.self)
            raw.storeBytes(of: hi, toByteOffset: 8 * MemoryLayout<T>.stride, as: SIMD8<T>.self)
        } else {
            raw.storeBytes(of: load(p) + lo, as: SIMD8<T>.self)
            raw.storeBytes(of: load(p + 8) + hi, toByteOffset: 8 * MemoryLayout<T>.stride, as: SIMD8<T>.self)
        }
    }

    @inline(__always)
    static func storeEdge(_ lo: SIMD8<T>, _ hi: SIMD8<T>, to p: UnsafeMutablePointer<T>, cols: Int, overwrite: Bool) {
        for j in 0..<Swift.min(cols, 8) { p[j] = overwrite ? lo[j] : p[j] + lo[j] }
        if cols > 8 { for j in 8..<cols { p[j] = overwrite ? hi[j - 8] : p[j] + hi[j - 8] } }
    }
}

/// The operands of one parallel product as the worker threads see them. `@unchecked Sendable`: during
/// `GEMM.multiply` the threads only read `a` and `b`, and write disjoint parts of `pack` (their
/// panels) and of `c` (their column chunks); `forEachChunk` returns only when all are done.
struct SharedOperands<T>: @unchecked Sendable {
    let a: UnsafePointer<T>
    let b: UnsafePointer<T>
    let c: UnsafeMutablePointer<T>
    let pack: UnsafeMutablePointer<T>
}

/// The elementwise work that follows a product in training, done by `GEMM.multiply` on the columns
/// `j` of each chunk (all optional; applied in this order):
///
/// ```
/// bias:        C[r, j] += bias[j]                                  (forward: Z = X·W + b)
/// activation:  out[r, j] = f(C[r, j])       out has row stride ldc  (forward without BatchNorm)
/// columnSums:  sums[j] = Σ_p B[p, j], p = 0, 1, …, K−1 in order    (tn: the bias gradient Σ_r dZ[r, j])
/// derivative:  C[r, j] *= f'(x[r, j])  (y = f(x); x, y stride ldc) (nt: dX through the layer below's f)
/// ```
///
/// Each is the loop the single-threaded pass ran over the whole matrix, restricted to columns, so
/// every element gets the same operations in the same order.
/// `@unchecked Sendable`: the chunks read and write disjoint columns.
struct GEMMEpilogue<T: TrainerScalar>: @unchecked Sendable {
    var bias: UnsafePointer<T>?
    var activation: Activation?
    var out: UnsafeMutablePointer<T>?
    var columnSums: UnsafeMutablePointer<T>?
    var derivative: Activation?
    var x: UnsafePointer<T>?
    var y: UnsafePointer<T>?

    init(bias: UnsafePointer<T>? = nil, activation: Activation? = nil, out: UnsafeMutablePointer<T>? = nil,
         columnSums: UnsafeMutablePointer<T>? = nil, derivative: Activation? = nil, x: UnsafePointer<T>? = nil,
         y: UnsafePointer<T>? = nil) {
        self.bias = bias
        self.activation = activation
        self.out = out
        self.columnSums = columnSums
        self.derivative = derivative
        self.x = x
        self.y = y
    }

    @inline(__always)
    func apply(columns: Range<Int>, m: Int, k: Int, b: UnsafePointer<T>, ldb: Int, c: UnsafeMutablePointer<T>,
               ldc: Int) {
        let (j0, w) = (columns.lowerBound, columns.count)
        guard w > 0 else { return }
        if let bias {
            for r in 0..<m {
                let cr = c + r * ldc
                for j in columns { cr[j] += bias[j] }
            }
        }
        if let f = activation, let out {
            for r in 0..<m { ActivationKernels.forward(f, x: c + r * ldc + j0, y: out + r * ldc + j0, count: w) }
        }
        if let sums = columnSums {
            (sums + j0).update(repeating: 0, count: w)
            for p in 0..<k {
                let br = b + p * ldb
                for j in columns { sums[j] += br[j] }
            }
        }
        if let f = derivative, let x, let y {
            for r in 0..<m {
                let o = r * ldc + j0
                ActivationKernels.backward(f, x: x + o, y: y + o, g: c + o, count: w)
            }
        }
    }
}
