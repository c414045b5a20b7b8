/// Open model: requests that were due while every connection was busy, oldest first.
///
/// A fixed-capacity ring: its size is the in-flight cap, so memory is bounded however far
/// behind the target falls, and pushing never allocates.
struct RequestQueue {
    struct Entry {
        var request: Int
        var intended: UInt64
    }

    private var storage: [Entry]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        storage = Array(repeating: Entry(request: 0, intended: 0), count: capacity)
    }

    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count == storage.count }

    /// Appends; returns false when full.
    mutating func push(_ entry: Entry) -> Bool {
        guard !isFull else { return false }
        storage[(head + count) % storage.count] = entry
        count += 1
        return true
    }

    mutating func pop() -> Entry? {
        guard count > 0 else { return nil }
        let entry = storage[head]
        head = (head + 1) % storage.count
        count -= 1
        return entry
    }

    mutating func removeAll() {
        head = 0
        count = 0
    }
}
