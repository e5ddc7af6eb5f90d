/// Reads that asked for a commit position the partition has not applied yet (read-your-writes
/// on a replica): held until it has, or until their deadline.
struct ParkedReads {
    private var waiting: [PartitionRead] = []

    var isEmpty: Bool { waiting.isEmpty }

    /// The earliest deadline of a waiting read, monotonic ns.
    var nextDeadline: UInt64? { waiting.lazy.map(\.deadline).min() }

    /// Runs `reads` that `appliedOp` satisfies and every earlier waiting read it now satisfies;
    /// fails the ones whose deadline passed; keeps the rest.
    mutating func run(_ reads: [PartitionRead], appliedOp: UInt64, now: UInt64, state: PartitionState) {
        waiting += reads
        guard !waiting.isEmpty else { return }
        var kept: [PartitionRead] = []
        for read in waiting {
            if read.minOp <= appliedOp {
                read.run(state)
            } else if read.deadline <= now {
                read.fail(EngineError(
                    .unavailable, "this node has applied op \(appliedOp) of the partition, not yet op \(read.minOp); retry, or read from the writer"))
            } else {
                kept.append(read)
            }
        }
        waiting = kept
    }

    /// Fails every waiting read (the partition stops).
    mutating func failAll(_ error: EngineError) {
        for read in waiting { read.fail(error) }
        waiting.removeAll()
    }
}
