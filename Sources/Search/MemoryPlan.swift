// Refuses, before the first trial, plans whose trials cannot fit in this machine's physical memory.

import Foundation
import Trainer

/// Why a plan was refused: the field to change (`task.model.hidden`, `task.batch_size`,
/// `task.dataset` or `--jobs`) and a message with the estimate.
public struct MemoryRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    public var field: String
    public var message: String
    public var description: String { "\(field): \(message)" }
}

public enum MemoryPlan {
    /// This machine's physical memory in bytes: `MemTotal` of /proc/meminfo, else what Foundation reports.
    public static var physicalMemory: Double {
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
           let kB = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) {
            return kB * 1024
        }
        return Double(ProcessInfo.processInfo.physicalMemory)
    }

    /// Throws when one trial and the dataset exceed `physical` (naming the largest part: the model's
    /// widths, the batch size or the dataset), or when `jobs` trials at once do (naming `--jobs`, with
    /// the most that fit).
    public static func check(_ e: MemoryEstimate, jobs: Int, physical: Double) throws(MemoryRefusal) {
        let machine = "this machine's \(MemoryEstimate.format(physical)) of physical memory"
        if !(e.total(jobs: 1) <= physical) {
            let model = e.weights + e.gradients + e.optimizerState
            let field = model >= max(e.activations, e.dataCopy) ? "task.model.hidden"
                : e.activations >= e.dataCopy ? "task.batch_size" : "task.dataset"
            throw MemoryRefusal(field: field, message: "the plan needs about \(e.summary), "
                                + "more than \(machine)")
        }
        if !(e.total(jobs: jobs) <= physical) {
            let fit = max(1, Int(((physical - e.dataset) / e.perTrial).rounded(.down)))
            throw MemoryRefusal(field: "--jobs", message: "\(jobs) trials at once need about "
                                + "\(MemoryEstimate.format(e.total(jobs: jobs))) (\(jobs) × \(e.summary)), more than "
                                + "\(machine); use --jobs \(fit) or fewer")
        }
    }
}
