// `lrsearch bench --data [ROWS]`: CSV loading speed and peak memory, in process and as a whole `train` run.

import Foundation
import Trainer
#if canImport(Glibc)
import Glibc
#endif

enum DataBench {
    static let features = 30

    static func run(rows: Int) throws -> ExitCode {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrsearch-bench-data-\(getpid())").path
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw CLIError("cannot create \(dir): \(error.localizedDescription)", code: .failure)
        }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let csv = dir + "/data.csv"
        let bytes = try generate(rows: rows, path: csv)
        let mb = Double(bytes) / 1e6
        let matrixMB = Double(rows * features * 4) / 1e6
        print("CSV: \(rows) rows × \(features) floats (%.6g) + an integer label, "
              + String(format: "%.1f MB; Float32 matrix %.1f MB", mb, matrixMB))

        // In process: parse only, best of 3; the peak RSS is reset before the first load (clear_refs 5).
        resetPeakRSS()
        let before = residentMB("VmRSS")
        var best = Double.infinity, bestCPU = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds, cpuStart = cpuSeconds()
            let data: LabeledData
            do { data = try CSVData.load(path: csv, target: "label", task: nil) } catch { throw CLIError(error.description, code: .failure) }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            bestCPU = min(bestCPU, cpuSeconds() - cpuStart)
            guard data.count == rows else { throw CLIError("read \(data.count) rows, expected \(rows)", code: .failure) }
        }
        let peak = residentMB("VmHWM")
        print(String(format: "load (CSVData.load, best of 3): %.3f s wall, %.0f MB/s; %.3f s CPU, %.0f MB/s",
                     best, mb / best, bestCPU, mb / bestCPU))
        print(String(format: "peak RSS while loading: %.0f MB (%.0f MB before, so +%.0f MB = %.2f× the matrix)",
                     peak, before, peak - before, (peak - before) / matrixMB))

        // A whole `lrsearch train` process: load, split, standardise, one epoch of a [8] model.
        let config = dir + "/train.json"
        let text = """
            { seed: 0, task: { dataset: { csv: "data.csv", target: "label" }, model: { hidden: [8] }, epochs: 1,
                               batch_size: 64 },
              optimizer: { kind: "sgd", momentum: 0.9 }, schedule: { family: "constant", lr: 0.01 } }
            """
        do { try text.write(toFile: config, atomically: true, encoding: .utf8) } catch {
            throw CLIError("cannot write \(config): \(error.localizedDescription)", code: .failure)
        }
        let exe = Bundle.main.executableURL?.resolvingSymlinksInPath().path ?? CommandLine.arguments[0]
        let (seconds, cpu, maxRSS, status) = try child(exe, ["train", config])
        guard status == 0 else { throw CLIError("'lrsearch train \(config)' exited with \(status)", code: .failure) }
        print(String(format: "whole process 'lrsearch train' (one epoch, hidden [8]): %.2f s wall, %.2f s CPU, "
                     + "peak RSS %.0f MB", seconds, cpu, maxRSS))
        return .success
    }

    /// Writes the CSV: features ~ N(0, 1) as %.6g, label = argmax of the first three features (0, 1, 2).
    static func generate(rows: Int, path: String) throws -> Int {
        guard let file = fopen(path, "w") else { throw CLIError("cannot write \(path)", code: .failure) }
        defer { fclose(file) }
        var rng = SplitMix64(seed: 1)
        var header = (0..<features).map { "x\($0)" }.joined(separator: ",") + ",label\n"
        fputs(header, file)
        var total = header.utf8.count
        header = ""
        let line = UnsafeMutablePointer<CChar>.allocate(capacity: 64 * (features + 1))
        defer { line.deallocate() }
        var row = [Double](repeating: 0, count: features)
        for _ in 0..<rows {
            var n = 0
            for j in 0..<features {
                row[j] = rng.nextGaussian()
                let value = row[j]
                n += Int(withVaList([value]) { vsnprintf(line + n, 32, "%.6g,", $0) })
            }
            let label = row[0] >= row[1] ? (row[0] >= row[2] ? 0 : 2) : (row[1] >= row[2] ? 1 : 2)
            n += Int(withVaList([Int32(label)]) { vsnprintf(line + n, 8, "%d\n", $0) })
            fwrite(line, 1, n, file)
            total += n
        }
        return total
    }

    /// Runs a child with stdout and stderr to /dev/null: wall and CPU seconds, peak RSS in MB (ru_maxrss),
    /// exit status.
    static func child(_ exe: String, _ arguments: [String]) throws -> (Double, Double, Double, Int32) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([exe] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let rc = posix_spawn(&pid, exe, &actions, nil, argv, environ)
        guard rc == 0 else { throw CLIError("cannot run \(exe): \(FileError.words(errno: rc))", code: .failure) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let exited = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return (seconds, cpu, Double(usage.ru_maxrss) / 1024, exited)
    }

    /// This thread's CPU time (user + system): unlike wall time, not inflated by other processes' load.
    static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// A line of /proc/self/status in MB ("VmRSS", "VmHWM"); 0 if unavailable.
    static func residentMB(_ key: String) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kb / 1024
        }
        return 0
    }

    /// Resets VmHWM to the current RSS (Linux ≥ 4.0), so the peak measured is the load's.
    static func resetPeakRSS() {
        guard let f = fopen("/proc/self/clear_refs", "w") else { return }
        fputs("5", f)
        fclose(f)
    }
}
