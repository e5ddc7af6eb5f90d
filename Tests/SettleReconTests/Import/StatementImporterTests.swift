import Foundation
import Testing
@testable import SettleRecon

@Suite("StatementImporter: detection and content digest")
struct StatementImporterTests {
    static func mapping(for file: String) -> CSVMapping? {
        if file.hasPrefix("adyen") { return .adyenSettlementDetails }
        if file.hasPrefix("stripe") { return .stripePayoutReconciliation }
        return nil
    }

    @Test("detection finds the README's format and agrees with the explicit one", arguments: ImportSamples.all)
    func detection(_ file: String) throws {
        let format = try #require(SampleSummaryTests.summaries.first { $0.file == file }?.format)
        let detected = try ImportSamples.parse(file, csvMapping: Self.mapping(for: file))
        #expect(detected.map(\.format).allSatisfy { $0 == format })
        let explicit = try StatementImporter.parse(ImportSamples.bytes(file), format: format, csvMapping: Self.mapping(for: file))
        #expect(explicit == detected)
    }

    /// The digest is promised to be the same in every process and on every platform (it keys
    /// stored statements), so one is pinned: a change to the hash or its encoding fails here.
    @Test func aDigestIsStableAcrossProcesses() throws {
        let statements = try ImportSamples.parse("camt053_v02_multi-statement.xml")
        #expect(StatementImporter.digest(of: statements) == "73b476d73a38e699175ff216ee44a346")
    }

    @Test("every sample's digest is 32 lowercase hex digits and differs from the others")
    func digestIdentity() throws {
        var digests: [String] = []
        for file in ImportSamples.all {
            let digest = StatementImporter.digest(of: try ImportSamples.parse(file, csvMapping: Self.mapping(for: file)))
            #expect(digest.count == 32 && digest.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            digests.append(digest)
        }
        #expect(Set(digests).count == digests.count)
    }

    @Test("line endings and line numbers are not content; amounts and order are")
    func digestSensitivity() throws {
        let text = try ImportSamples.text("camt053_v02_multi-statement.xml")
        let original = try StatementImporter.parse(Array(text.utf8))
        let crlf = try StatementImporter.parse(Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8))
        #expect(StatementImporter.digest(of: crlf) == StatementImporter.digest(of: original))
        var renumbered = original
        renumbered[0].lines[0].sourceLine = 99
        #expect(StatementImporter.digest(of: renumbered) == StatementImporter.digest(of: original))
        var changed = original
        changed[1].lines[0].amount += 1
        #expect(StatementImporter.digest(of: changed) != StatementImporter.digest(of: original))
        #expect(StatementImporter.digest(of: original.reversed()) != StatementImporter.digest(of: original))
        var moved = original
        moved[0].lines[0].transactions[0].endToEndID = nil
        moved[0].lines[0].transactions[0].accountServicerReference = "000000001"
        #expect(StatementImporter.digest(of: moved) != StatementImporter.digest(of: original))
    }

    @Test("a CSV statement's id is its content digest")
    func csvIdentity() throws {
        let text = try ImportSamples.text("stripe_payout-reconciliation_synthetic.csv")
        let lf = try #require(try StatementImporter.parse(Array(text.utf8), csvMapping: .stripePayoutReconciliation).first)
        let crlf = try #require(try StatementImporter.parse(Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8),
                                                            csvMapping: .stripePayoutReconciliation).first)
        #expect(lf.id == crlf.id)
        var withoutID = lf
        withoutID.id = ""
        #expect(lf.id == StatementImporter.digest(of: [withoutID]))
    }

    @Test("the hash is FNV-1a 128: published offset basis and test vector")
    func fnvVectors() {
        #expect(StableHasher().hexDigest == "6c62272e07bb014262b821756295c58d")
        var hasher = StableHasher()
        hasher.combine(byte: UInt8(ascii: "a"))
        #expect(hasher.hexDigest == "d228cb696f1a8caf78912b704e4a8964")
    }
}
