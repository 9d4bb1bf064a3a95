import Dispatch

/// How far a long run has got, for a progress bar: `done` of `total` steps of `label`.
public struct RunProgress: Sendable, Hashable {
    public var label: String
    public var done: Int
    public var total: Int
    public init(_ label: String, done: Int, total: Int) {
        self.label = label
        self.done = done
        self.total = total
    }
    /// done / total, within 0 ... 1.
    public var fraction: Double { total > 0 ? min(1, max(0, Double(done) / Double(total))) : 0 }
}

/// `body(i)` for i in 0 ..< n on all cores, the results in index order: deterministic
/// whatever the thread count. When bodies throw, the error of the lowest index is thrown,
/// the same one a serial loop would meet first.
func parallelMap<T: Sendable>(_ n: Int, _ body: @Sendable (Int) throws(PlacePlanError) -> T) throws(PlacePlanError) -> [T] {
    guard n > 1 else { return try (0..<n).map { i throws(PlacePlanError) in try body(i) } }
    let slots = ResultSlots<T>(n)
    DispatchQueue.concurrentPerform(iterations: n) { i in
        do throws(PlacePlanError) { slots.set(i, .success(try body(i))) } catch { slots.set(i, .failure(error)) }
    }
    var out: [T] = []
    out.reserveCapacity(n)
    for result in slots.results {
        switch result {
        case .success(let value): out.append(value)
        case .failure(let error): throw error
        case nil: preconditionFailure("parallelMap: a slot was not filled")
        }
    }
    return out
}

/// ``parallelMap(_:_:)`` for a body that cannot fail.
func parallelValues<T: Sendable>(_ n: Int, _ body: @Sendable (Int) -> T) -> [T] {
    guard n > 1 else { return (0..<n).map(body) }
    let slots = ResultSlots<T>(n)
    DispatchQueue.concurrentPerform(iterations: n) { i in slots.set(i, .success(body(i))) }
    return slots.results.map { result in
        guard case .success(let value)? = result else { preconditionFailure("parallelValues: a slot was not filled") }
        return value
    }
}

/// One slot per index, each written by exactly one iteration.
private final class ResultSlots<T: Sendable>: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<Result<T, PlacePlanError>?>
    init(_ count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }
    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }
    func set(_ i: Int, _ value: Result<T, PlacePlanError>) { buffer[i] = value }
    var results: [Result<T, PlacePlanError>?] { Array(buffer) }
}
