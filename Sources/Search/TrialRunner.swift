// The seam between a search and how its trials train: the built-in trainer or an external program.

/// Runs one unit of a search to its end and returns its record. `TrialExecutor` trains in-process;
/// `ExternalTrialRunner` starts the task's command and speaks protocol v1 with it (docs/protocol.md).
/// A trial that ends badly (diverged, or an external program that failed) is a record, not an error;
/// `TrialFailure` is for what should have been caught before the first trial and stops the search.
public protocol TrialRunner: Sendable {
    func run(_ id: TrialID) throws(TrialFailure) -> TrialRecord
    /// The search was abandoned: stop running trials now (their records are not journaled).
    func cancelRunning()
}

extension TrialExecutor: TrialRunner {
    /// In-process trials finish their current epoch; nothing to stop.
    public func cancelRunning() {}
}
