import Foundation
import SettleCore
import SettleEngine
import SettleRecon

/// A tenant's imported statements, kept in the engine's system records so they are exactly as
/// durable as the ledger they are reconciled against.
///
/// A statement is stored under its content digest: its lines in chunks first, then a header
/// inserted only if absent. The header is the commit point: importing the same statement again
/// finds it and writes nothing, and an import cut short is completed by the retry (the chunks
/// it rewrites have the same content).
struct StatementStore {
    let engine: Engine
    let tenant: TenantID

    struct Header: Codable, Sendable {
        var digest: String
        var format: Statement.Format
        var statementID: String
        var account: String
        var currency: String?
        var openingBalance: Int64?
        var closingBalance: Int64?
        var lineCount: Int
        var chunkCount: Int
        var source: String?
        var importedAt: UInt64
    }

    struct Imported: Sendable {
        var header: Header
        /// False when the statement was there already: the import changed nothing.
        var isNew: Bool
    }

    /// Bytes of lines per record, under the engine's 64 KiB value limit.
    static let chunkBytesTarget = 48 << 10

    private var prefix: String { "recon/\(tenant.rawValue)/" }
    private func headerKey(_ digest: String) -> String { prefix + "s/" + digest }
    private func chunkKey(_ digest: String, _ chunk: Int) -> String { prefix + "l/\(digest)/\(chunk)" }

    func importStatements(_ statements: [Statement], source: String?, now: UInt64) async throws -> [Imported] {
        var imported: [Imported] = []
        let existing = try await headers()
        for statement in statements {
            let digest = StatementImporter.digest(of: [statement])
            if let header = existing.first(where: { $0.digest == digest }) {
                imported.append(Imported(header: header, isNew: false))
                continue
            }
            let chunks = try Self.chunks(statement.lines)
            for (index, chunk) in chunks.enumerated() {
                _ = try await engine.putSystemRecord(SystemRecordWrite(key: chunkKey(digest, index), value: chunk, mode: .upsert))
            }
            let header = Header(digest: digest, format: statement.format, statementID: statement.id, account: statement.account,
                                currency: statement.currency, openingBalance: statement.openingBalance, closingBalance: statement.closingBalance,
                                lineCount: statement.lines.count, chunkCount: chunks.count, source: source, importedAt: now)
            let written = try await engine.putSystemRecord(SystemRecordWrite(key: headerKey(digest), value: Array(try JSONEncoder().encode(header)), mode: .insert))
            imported.append(Imported(header: header, isNew: written))
        }
        return imported
    }

    /// Every imported statement, oldest first.
    func headers() async throws -> [Header] {
        let records = try await engine.systemRecords()
        let decoder = JSONDecoder()
        return try records.filter { $0.key.hasPrefix(prefix + "s/") }
            .map { try decoder.decode(Header.self, from: Data($0.value)) }
            .sorted { ($0.importedAt, $0.digest) < ($1.importedAt, $1.digest) }
    }

    /// The lines of one statement, in file order.
    func lines(_ header: Header, records: [String: [UInt8]]) throws -> [StatementLine] {
        let decoder = JSONDecoder()
        var lines: [StatementLine] = []
        lines.reserveCapacity(header.lineCount)
        for chunk in 0..<header.chunkCount {
            guard let value = records[chunkKey(header.digest, chunk)] else {
                throw APIError(.internalError, "statement \(header.digest) is missing chunk \(chunk)")
            }
            lines += try decoder.decode([StatementLine].self, from: Data(value))
        }
        return lines
    }

    static func chunks(_ lines: [StatementLine]) throws -> [[UInt8]] {
        let encoder = JSONEncoder()
        var chunks: [[UInt8]] = []
        var start = 0
        while start < lines.count {
            // Grow the chunk while it fits; lines are a few hundred bytes, so start from 64.
            var count = min(64, lines.count - start)
            var encoded = Array(try encoder.encode(Array(lines[start..<start + count])))
            while encoded.count > chunkBytesTarget, count > 1 {
                count /= 2
                encoded = Array(try encoder.encode(Array(lines[start..<start + count])))
            }
            guard encoded.count <= SystemRecordWrite.valueBytesMax else {
                throw APIError(.statementInvalid, "line \(lines[start].sourceLine) is too large to store")
            }
            chunks.append(encoded)
            start += count
        }
        return chunks.isEmpty ? [Array("[]".utf8)] : chunks
    }
}
