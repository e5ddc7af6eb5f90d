import Foundation
import Testing
@testable import SettleStorage

@Suite("Huge-page record memory")
struct HugePageMemoryTests {
    @Test func aPreparedBlockServesTheNextAllocationOfItsSizeOnly() async throws {
        let memory = HugePageMemory(poolChunks: 2)
        let size = 4 << 20
        memory.prepare(byteCount: size, alignment: 2 << 20)
        for _ in 0..<500 where memory.preparedByteCount == nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(memory.preparedByteCount == size)

        // Another size is served fresh and leaves the prepared block alone.
        let other = memory.allocate(byteCount: 6 << 20, alignment: 2 << 20)
        #expect(memory.preparedByteCount == size)
        let block = memory.allocate(byteCount: size, alignment: 2 << 20)
        #expect(memory.preparedByteCount == nil)
        #expect(Int(bitPattern: block) % (2 << 20) == 0)
        // It is ordinary writable memory, freed like any other allocation.
        block.initializeMemory(as: UInt64.self, repeating: 7, count: size / 8)
        #expect(block.load(fromByteOffset: size - 8, as: UInt64.self) == 7)
        memory.deallocate(block)
        memory.deallocate(other)
    }
}
