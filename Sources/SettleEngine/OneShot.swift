import Foundation

/// A reply delivered once, from the writer thread, to one awaiting task — whichever of the
/// two happens first. Lets a caller enqueue and then await without an unstructured Task.
final class OneShot<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Value, any Error>?
    private var waiter: CheckedContinuation<Value, any Error>?

    func resume(returning value: Value) { complete(.success(value)) }
    func resume(throwing error: any Error) { complete(.failure(error)) }

    private func complete(_ outcome: Result<Value, any Error>) {
        lock.lock()
        precondition(result == nil, "a reply was delivered twice")
        result = outcome
        let waiter = self.waiter
        self.waiter = nil
        lock.unlock()
        waiter?.resume(with: outcome)
    }

    var value: Value {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                lock.lock()
                if let result {
                    lock.unlock()
                    continuation.resume(with: result)
                } else {
                    waiter = continuation
                    lock.unlock()
                }
            }
        }
    }
}
