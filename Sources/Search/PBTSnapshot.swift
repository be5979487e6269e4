// The population at an interval boundary on disk (pbt-snapshot.bin), written atomically, for resume after kill -9.

import Foundation
import JSON5
import LRSchedules
import Trainer

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A snapshot that cannot be read or written.
public struct PBTSnapshotError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Layout: the magic line `LRSEARCH-PBT-SNAPSHOT 1`, a UInt64 (little-endian) byte count and that
/// many bytes of JSON metadata (spec hash, interval, coordinator RNG, segments, exploits, and per
/// member its lineage root config, path, history and counters — every Double written shortest
/// round-trip, so it reads back to the bit), then per member five arrays, each a UInt64 count and
/// the values: parameters, BatchNorm running statistics, optimizer first and second moments
/// (Float32 bit patterns) and the batch order (UInt64). It is written to a temporary file, fsynced
/// and renamed over the previous one, so a kill -9 leaves either the old snapshot or the new one.
public enum PBTSnapshot {
    public static let fileName = "pbt-snapshot.bin"
    static let magic = Array("LRSEARCH-PBT-SNAPSHOT 1\n".utf8)
    /// The largest snapshot read (a population of large models is big, but not this big).
    static let maxBytes = 1 << 34

    public static func encode(_ p: PBTPopulation, specHash: String) -> [UInt8] {
        func opt(_ x: Double?) -> JSONNode { JSONNode(x.map { JSONValue.number($0) } ?? .null) }
        func num(_ x: Double) -> JSONNode { JSONNode(.number(x)) }
        func values(_ v: PBTValues) -> [JSONNode] { [num(v.lr), opt(v.momentum), opt(v.lambdaNew)] }
        func arr(_ xs: [JSONNode]) -> JSONNode { JSONNode(.array(xs)) }
        func obj(_ m: [(String, JSONNode)]) -> JSONNode { JSONNode(.object(m.map { JSONMember(key: $0.0, value: $0.1) })) }
        let members = p.members.map { m -> JSONNode in
            let s = m.state
            return obj([
                ("slot", num(Double(m.slot))), ("base", JSONNode(m.base)), ("path", arr(m.path.map { arr(values($0)) })),
                ("rng", JSONNode(.string(String(s.rng.state)))), ("optimizer_steps", num(Double(s.optimizer.steps))),
                ("buffer_started", JSONNode(.bool(s.optimizer.bufferHasStarted))), ("status", JSONNode(.string(s.status.rawValue))),
                ("steps", num(Double(s.steps))), ("first_loss", opt(s.firstLoss)), ("seconds", num(s.seconds)),
                ("history", arr(s.history.map { e in
                    arr([num(Double(e.epoch)), num(e.lr), num(e.trainLoss), num(e.valLoss), opt(e.valAccuracy), num(e.seconds),
                         opt(e.valR2), opt(e.valMAE)])
                })),
            ])
        }
        let meta = obj([
            ("spec_hash", JSONNode(.string(specHash))), ("interval", num(Double(p.interval))),
            ("rng", JSONNode(.string(String(p.rng.state)))), ("idle_seconds", num(p.idleSeconds)),
            ("train_rows", num(Double(p.trainRows))),
            ("segments", arr(p.segments.map { s in
                arr([num(Double(s.slot)), num(Double(s.interval)), num(Double(s.startEpoch)), num(Double(s.endEpoch))]
                    + values(s.values) + [num(s.objective)])
            })),
            ("exploits", arr(p.exploits.map { e in
                arr([num(Double(e.epoch)), num(Double(e.recipient)), num(Double(e.donor))] + values(e.from) + values(e.to))
            })),
            ("members", arr(members)),
        ])
        var out = magic
        let text = Array(JSONWriter.compact(meta.value).utf8)
        append(UInt64(text.count), to: &out)
        out += text
        for m in p.members {
            let s = m.state
            for a in [s.model.parameters, s.model.runningStatistics, s.optimizer.first, s.optimizer.second] {
                append(UInt64(a.count), to: &out)
                out.reserveCapacity(out.count + 4 * a.count)
                for x in a { withUnsafeBytes(of: x.bitPattern.littleEndian) { out += $0 } }
            }
            append(UInt64(s.order.count), to: &out)
            for i in s.order { append(UInt64(i), to: &out) }
        }
        return out
    }

    static func append(_ x: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: x.littleEndian) { out += $0 }
    }

    /// Reads a snapshot of `spec` (whose hash must match); the members' data comes from `data`.
    public static func decode(_ bytes: [UInt8], spec: SearchSpec, specHash: String, data: DataCache,
                              file: String) throws(PBTSnapshotError) -> PBTPopulation {
        var reader = ByteReader(bytes: bytes)
        func fail(_ why: String) -> PBTSnapshotError {
            PBTSnapshotError(path: file, reason: "\(why) (at byte \(reader.offset) of \(bytes.count)); the snapshot is damaged: "
                                + "use --overwrite to start over")
        }
        guard let settings = spec.pbt else { throw fail("the spec has no strategy pbt") }
        guard reader.take(magic.count).map(Array.init) == magic else { throw fail("not a PBT snapshot (bad magic line)") }
        guard let n = reader.u64(), let metaBytes = reader.take(Int(clamping: n)),
              let meta = try? JSON5Parser.parse(utf8: Array(metaBytes)) else { throw fail("unreadable metadata") }
        let v = meta.value
        guard case .string(let hash)? = v["spec_hash"]?.value, hash == specHash else {
            throw PBTSnapshotError(path: file, reason: "written by a different spec (spec hash differs); use --overwrite to start over")
        }
        func int(_ x: JSONValue?) -> Int? {
            guard case .number(let d)? = x, d >= 0, d < 9e15, d == d.rounded() else { return nil }
            return Int(d)
        }
        func dbl(_ x: JSONValue?) -> Double? { if case .number(let d)? = x { return d }; return nil }
        func opt(_ x: JSONValue?) -> Double?? {
            if case .null? = x { return .some(nil) }
            return dbl(x).map { .some($0) }
        }
        func u64(_ x: JSONValue?) -> UInt64? { if case .string(let s)? = x { return UInt64(s) }; return nil }
        func list(_ x: JSONValue?) -> [JSONValue]? { if case .array(let a)? = x { return a.map(\.value) }; return nil }
        func values(_ a: ArraySlice<JSONValue>) -> PBTValues? {
            guard a.count == 3, let lr = dbl(a[a.startIndex]), let m = opt(a[a.startIndex + 1]),
                  let l = opt(a[a.startIndex + 2]) else { return nil }
            return PBTValues(lr: lr, momentum: m, lambdaNew: l)
        }
        guard let interval = int(v["interval"]?.value), let rng = u64(v["rng"]?.value),
              let idle = dbl(v["idle_seconds"]?.value), let rows = int(v["train_rows"]?.value),
              let segs = list(v["segments"]?.value), let exps = list(v["exploits"]?.value),
              let mems = list(v["members"]?.value), mems.count == settings.population else {
            throw fail("metadata is missing fields or has the wrong population")
        }
        var segments: [PBTSegment] = []
        for s in segs {
            guard let a = list(s), a.count == 8, let slot = int(a[0]), slot < settings.population, let k = int(a[1]),
                  k < interval, let lo = int(a[2]), let hi = int(a[3]), let vals = values(a[4..<7]), let o = dbl(a[7]) else {
                throw fail("bad segment: expected [slot < \(settings.population), interval < \(interval), first epoch, last epoch, "
                           + "lr, momentum, lambda_new, objective], got \(JSONWriter.compact(s).prefix(200))")
            }
            segments.append(PBTSegment(slot: slot, interval: k, startEpoch: lo, endEpoch: hi, values: vals, objective: o))
        }
        var exploits: [PBTExploit] = []
        for e in exps {
            guard let a = list(e), a.count == 9, let epoch = int(a[0]), let r = int(a[1]), r < settings.population,
                  let d = int(a[2]), d < settings.population, let from = values(a[3..<6]), let to = values(a[6..<9]) else {
                throw fail("bad exploit: expected [epoch, recipient and donor < \(settings.population), from (3 values), "
                           + "to (3 values)], got \(JSONWriter.compact(e).prefix(200))")
            }
            exploits.append(PBTExploit(epoch: epoch, recipient: r, donor: d, from: from, to: to))
        }
        var members: [PBTMember] = []
        for (i, mv) in mems.enumerated() {
            guard let slot = int(mv["slot"]?.value), slot == i, let base = mv["base"]?.value,
                  let pathList = list(mv["path"]?.value), let mrng = u64(mv["rng"]?.value),
                  let optSteps = int(mv["optimizer_steps"]?.value), case .bool(let started)? = mv["buffer_started"]?.value,
                  case .string(let statusText)? = mv["status"]?.value, let status = TrialStatus(rawValue: statusText),
                  let steps = int(mv["steps"]?.value), let firstLoss = opt(mv["first_loss"]?.value),
                  let seconds = dbl(mv["seconds"]?.value), let hist = list(mv["history"]?.value) else {
                throw fail("member \(i): metadata is missing fields")
            }
            var path: [PBTValues] = []
            for p in pathList {
                guard let a = list(p), let vals = values(a[...]) else { throw fail("member \(i): bad path") }
                path.append(vals)
            }
            var history: [EpochMetrics] = []
            for h in hist {
                guard let a = list(h), a.count == 8, let e = int(a[0]), let lr = dbl(a[1]), let tl = dbl(a[2]),
                      let vl = dbl(a[3]), let acc = opt(a[4]), let sec = dbl(a[5]), let r2 = opt(a[6]),
                      let mae = opt(a[7]) else { throw fail("member \(i): bad history") }
                history.append(EpochMetrics(epoch: e, lr: lr, trainLoss: tl, valLoss: vl, valAccuracy: acc, seconds: sec,
                                            valR2: r2, valMAE: mae))
            }
            var arrays: [[Float]] = []
            for _ in 0..<4 {
                guard let count = reader.u64(), count <= UInt64(bytes.count), let raw = reader.take(Int(count) * 4) else {
                    throw fail("member \(i): truncated arrays")
                }
                var a = [Float](repeating: 0, count: Int(count))
                var j = raw.startIndex
                for k in 0..<a.count {
                    let b = UInt32(raw[j]) | UInt32(raw[j + 1]) << 8 | UInt32(raw[j + 2]) << 16 | UInt32(raw[j + 3]) << 24
                    a[k] = Float(bitPattern: b)
                    j += 4
                }
                arrays.append(a)
            }
            guard let count = reader.u64(), count <= UInt64(bytes.count) else { throw fail("member \(i): truncated order") }
            var order: [Int] = []
            for _ in 0..<Int(count) {
                guard let x = reader.u64() else { throw fail("member \(i): truncated order") }
                guard x < count else { throw fail("member \(i): batch order holds \(x), expected a row index < \(count)") }
                order.append(Int(x))
            }
            let config: TrialConfig, dataset: Dataset
            do {
                (config, dataset) = try data.prepare(JSONNode(base))
            } catch {
                throw fail("member \(i): \(error)")
            }
            var state = TrainingState<Float>(config: config.training, dataset: dataset, schedule: LRScheduler.constant(path.last?.lr ?? 0))
            guard state.restore(parameters: arrays[0], runningStatistics: arrays[1], first: arrays[2], second: arrays[3],
                                optimizerSteps: optSteps, bufferStarted: started, rngState: mrng, order: order,
                                history: history, status: status, steps: steps, firstLoss: firstLoss) else {
                throw fail("member \(i): the arrays do not fit the model of its config")
            }
            state.seconds = seconds
            members.append(PBTMember(slot: i, base: base, path: path, state: state))
        }
        guard reader.atEnd else { throw fail("trailing bytes") }
        return PBTPopulation(spec: spec, settings: settings, members: members, interval: interval, rng: SplitMix64(seed: rng),
                             segments: segments, exploits: exploits, idleSeconds: idle, trainRows: rows)
    }

    /// Writes `bytes` to `dir/pbt-snapshot.bin` through a temporary file: write, fsync, rename, fsync the folder.
    public static func write(_ bytes: [UInt8], to dir: String) throws(PBTSnapshotError) {
        let path = (dir as NSString).appendingPathComponent(fileName)
        let tmp = path + ".tmp"
        func fail(_ why: String) -> PBTSnapshotError {
            PBTSnapshotError(path: path, reason: "\(why): \(String(cString: strerror(errno)))")
        }
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw fail("cannot create the snapshot") }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                close(fd)
                throw fail("write failed")
            }
            written += n
        }
        guard fsync(fd) == 0 else { close(fd); throw fail("fsync failed") }
        close(fd)
        guard rename(tmp, path) == 0 else { throw fail("rename failed") }
        let dfd = open(dir, O_RDONLY)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }
}

/// Bounds-checked little-endian reading.
struct ByteReader {
    let bytes: [UInt8]
    var offset = 0
    var atEnd: Bool { offset == bytes.count }

    mutating func take(_ n: Int) -> ArraySlice<UInt8>? {
        guard n >= 0, n <= bytes.count - offset else { return nil }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    mutating func u64() -> UInt64? {
        guard let s = take(8) else { return nil }
        return s.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
}
