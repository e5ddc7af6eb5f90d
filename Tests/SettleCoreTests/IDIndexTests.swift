import Testing
@testable import SettleCore

/// The id index against a dictionary, through many incremental growths, with removals (chain
/// rollbacks) landing while a previous table is still being copied.
@Suite("Id index")
struct IDIndexTests {
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func agreesWithADictionaryThroughGrowthAndRemovals(seed: UInt64) {
        var random = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> UInt64 {
            random ^= random << 13
            random ^= random >> 7
            random ^= random << 17
            return random
        }
        let index = IDIndex()
        var ids: [UInt128] = []  // slot → id; removed slots keep their id but leave the model
        var model: [UInt128: Int] = [:]
        for step in 0..<60_000 {
            if next() % 10 < 8 || model.isEmpty {
                // Sequential-ish and random ids both.
                let id = step % 3 == 0 ? UInt128(step + 1) : UInt128(next()) << 64 | UInt128(next())
                guard model[id] == nil else { continue }
                index.insert(id, slot: ids.count)
                model[id] = ids.count
                ids.append(id)
            } else {
                // Remove one of the newest ids, as a rollback does.
                let candidates = ids.suffix(64).filter { model[$0] != nil }
                guard !candidates.isEmpty else { continue }
                let id = candidates[Int(next() % UInt64(candidates.count))]
                index.remove(id) { ids[$0] }
                model[id] = nil
            }
            if step % 997 == 0 {
                for (id, slot) in model { #expect(index.find(id) { ids[$0] } == slot, "seed \(seed) step \(step)") }
                for id in ids.suffix(200) where model[id] == nil { #expect(index.find(id) { ids[$0] } == nil, "seed \(seed) step \(step)") }
            }
        }
        #expect(index.count == model.count)
        for (id, slot) in model { #expect(index.find(id) { ids[$0] } == slot) }
        #expect(index.find(UInt128.max) { ids[$0] } == nil)
    }

    @Test func reserveLeavesOneCompleteTable() {
        let index = IDIndex()
        let ids = (1...5_000).map { UInt128($0) * 7_919 }
        for (slot, id) in ids.prefix(100).enumerated() { index.insert(id, slot: slot) }
        index.reserve(5_000)
        for (slot, id) in ids.enumerated().dropFirst(100) { index.insert(id, slot: slot) }
        for (slot, id) in ids.enumerated() { #expect(index.find(id) { ids[$0] } == slot) }
    }
}
