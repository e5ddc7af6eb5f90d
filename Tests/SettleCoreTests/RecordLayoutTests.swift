import SettleCore
import Testing

@Suite("Record layout")
struct RecordLayoutTests {
    /// Fixed-size, 128-byte hot records (TigerBeetle asserts `@sizeOf(Account) == 128`): the
    /// record stores and the journal depend on it.
    @Test("Account and Transfer are 128 bytes with no padding between records")
    func recordSizes() {
        #expect(MemoryLayout<Account>.size == 128)
        #expect(MemoryLayout<Account>.stride == 128)
        #expect(MemoryLayout<Transfer>.size == 128)
        #expect(MemoryLayout<Transfer>.stride == 128)
    }

    @Test("flag sets and tenant ids have their wire widths")
    func fieldWidths() {
        #expect(MemoryLayout<AccountFlags>.size == 2)
        #expect(MemoryLayout<TransferFlags>.size == 2)
        #expect(MemoryLayout<TenantID>.size == 8)
    }
}
