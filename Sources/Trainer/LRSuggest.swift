// The LR range test's suggestions (fastai valley, slide, minimum, steep; torch-lr-finder's steepest gradient).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The suggestion functions, each on a window of (LR, smoothed loss) pairs; each returns the LR and its
/// index in the window, or nil when the window is too short. Ported literally from the cited sources.
public enum LRSuggest {
    /// fastai `valley`: the longest strictly decreasing subsequence, then `idx = start + ⌊s⌋ + ⌊s/2⌋`
    /// with s = (end − start)/3. When the run starts at index 0, `start` is −1 and a tiny input can
    /// give idx = −1, which Python reads as the last element; that wrap is kept.
    ///
    /// fastai's O(n²) DP computes d[i] = 1 + max{d[j] : j < i, loss[j] > loss[i]} and, in its inner
    /// loop, moves `max_end` to i the first time d[i] exceeds d[max_end]. As every d[j] (j < i) is at most
    /// d[max_end] = M, d[i] first exceeds M by reaching M + 1, its final value; so `max_end` is the first
    /// index of the longest run and `max_start = max_end − d[max_end]`, exactly what this O(n log n)
    /// version computes with a Fenwick tree of prefix maxima over the losses ranked from the largest
    /// (NaN compares false both ways: its d is 1 and it extends nothing). ``valleyNaive(lrs:losses:)``
    /// keeps fastai's loop as the reference.
    ///
    /// - Complexity: O(n log n).
    public static func valley(lrs: [Double], losses: [Double]) -> (lr: Double, index: Int)? {
        let n = min(lrs.count, losses.count)
        guard n >= 1 else { return nil }
        // Distinct non-NaN losses, largest first (0 and −0 are one value, as `<` treats them).
        let distinct = Array(Set(losses.prefix(n).filter { !$0.isNaN })).sorted(by: >)
        var tree = [Int](repeating: 0, count: distinct.count + 1)  // 1-based Fenwick tree of maxima
        var best = 0, maxStart = 0, maxEnd = 0
        for i in 0..<n {
            let x = losses[i]
            var d = 1
            if !x.isNaN {
                // pos = how many distinct losses are > x; they occupy tree positions 1…pos.
                var lo = 0, hi = distinct.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if distinct[mid] > x { lo = mid + 1 } else { hi = mid }
                }
                var k = lo, longest = 0
                while k > 0 { longest = max(longest, tree[k]); k -= k & -k }
                d = longest + 1
                k = lo + 1
                while k <= distinct.count { tree[k] = max(tree[k], d); k += k & -k }
            }
            if d > best {
                best = d
                if i > 0 { maxEnd = i; maxStart = i - d }  // fastai's loop never moves max_end to 0
            }
        }
        return valleyIndex(lrs: lrs, n: n, start: maxStart, end: maxEnd)
    }

    /// fastai's literal O(n²) DP (with its in-loop update order), the reference for ``valley(lrs:losses:)``.
    public static func valleyNaive(lrs: [Double], losses: [Double]) -> (lr: Double, index: Int)? {
        let n = min(lrs.count, losses.count)
        guard n >= 1 else { return nil }
        var d = [Int](repeating: 1, count: n)
        var maxStart = 0, maxEnd = 0
        for i in 1..<max(n, 1) {
            for j in 0..<i {
                if losses[i] < losses[j] && d[i] < d[j] + 1 { d[i] = d[j] + 1 }
                if d[maxEnd] < d[i] {
                    maxEnd = i
                    maxStart = maxEnd - d[maxEnd]
                }
            }
        }
        return valleyIndex(lrs: lrs, n: n, start: maxStart, end: maxEnd)
    }

    private static func valleyIndex(lrs: [Double], n: Int, start: Int, end: Int) -> (lr: Double, index: Int)? {
        let sections = Double(end - start) / 3
        var idx = start + Int(sections) + Int(sections / 2)
        if idx < 0 { idx += n }  // Python's lrs[-1]
        guard (0..<n).contains(idx) else { return nil }
        return (lrs[idx], idx)
    }

    /// fastai `slide(lr_diff=15, thresh=0.005, adjust_value=1)`: g = numpy.gradient(loss); from
    /// r = n−1, l = r − 15, step both left while |g[r] − g[l]| > thresh; the LR at the last l taken.
    public static func slide(lrs: [Double], losses: [Double], lrDiff: Int = 15, thresh: Double = 0.005,
                             adjust: Double = 1) -> (lr: Double, index: Int)? {
        let n = min(lrs.count, losses.count)
        guard n > lrDiff, n >= 2 else { return nil }
        let g = gradient(Array(losses.prefix(n)))
        var r = n - 1, l = r - lrDiff
        var candidate = l
        while l >= 0 && abs(g[r] - g[l]) > thresh {
            candidate = l
            r -= 1
            l -= 1
        }
        return (lrs[candidate] * adjust, candidate)
    }

    /// fastai `minimum`: lr[argmin loss] / 10 (the first smallest).
    public static func minimum(lrs: [Double], losses: [Double]) -> (lr: Double, index: Int)? {
        let n = min(lrs.count, losses.count)
        guard n >= 1, let i = argmin(losses.prefix(n)) else { return nil }
        return (lrs[i] / 10, i)
    }

    /// fastai `steep`: g_j = (loss_{j+1} − loss_j)/(ln lr_{j+1} − ln lr_j); lr[argmin g].
    public static func steep(lrs: [Double], losses: [Double]) -> (lr: Double, index: Int)? {
        let n = min(lrs.count, losses.count)
        guard n >= 2 else { return nil }
        let g = (0..<(n - 1)).map { (j: Int) -> Double in
            let rise: Double = losses[j + 1] - losses[j]
            let run: Double = log(lrs[j + 1]) - log(lrs[j])
            return rise / run
        }
        guard let i = argmin(g[...]) else { return nil }
        return (lrs[i], i)
    }

    /// torch-lr-finder: lr[argmin numpy.gradient(loss)] (unit spacing).
    public static func steepestGradient(lrs: [Double], losses: [Double]) -> (lr: Double, index: Int)? {
        let n = min(lrs.count, losses.count)
        guard n >= 2, let i = argmin(gradient(Array(losses.prefix(n)))[...]) else { return nil }
        return (lrs[i], i)
    }

    /// `numpy.gradient` with unit spacing: central differences inside, one-sided first differences at the ends.
    public static func gradient(_ y: [Double]) -> [Double] {
        let n = y.count
        guard n >= 2 else { return [Double](repeating: 0, count: n) }
        var g = [Double](repeating: 0, count: n)
        g[0] = y[1] - y[0]
        g[n - 1] = y[n - 1] - y[n - 2]
        for i in 1..<(n - 1) { g[i] = (y[i + 1] - y[i - 1]) / 2 }
        return g
    }

    /// The index of the first smallest value (numpy.argmin); NaN never wins.
    static func argmin(_ values: ArraySlice<Double>) -> Int? {
        var best: Int?
        for i in values.indices where !values[i].isNaN {
            if best.map({ values[i] < values[$0] }) ?? true { best = i }
        }
        return best.map { $0 - values.startIndex }
    }
}
