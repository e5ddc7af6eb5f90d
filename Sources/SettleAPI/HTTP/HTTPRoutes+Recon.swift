import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SettleCore
import SettleEngine
import SettleMoney
import SettlePayments
import SettleRecon

extension HTTPField.Name {
    /// A CSV column mapping as JSON, for a layout without a preset.
    static let csvMapping = HTTPField.Name("Settle-CSV-Mapping")!
}

extension HTTPRoutes {
    /// Statement import and reconciliation against the processor clearing account (DESIGN §6).
    func addReconRoutes(_ router: Router<BasicRequestContext>) {
        route(router, .post, "/v1/recon/statements") { request, _, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .write)
            let (format, mapping) = try importParameters(request)
            let buffer = try await body(&request)
            guard buffer.readableBytes > 0 else { throw APIError(.statementInvalid, "the body is empty: send the statement file as it is") }
            let statements: [Statement]
            do throws(StatementError) {
                statements = try StatementImporter.parse(Array(buffer.readableBytesView), format: format, csvMapping: mapping)
            } catch {
                throw APIError(.statementInvalid, error.description)
            }
            let store = StatementStore(engine: api.engine, tenant: principal.tenant)
            let imported = try await engineCall {
                try await store.importStatements(statements, source: request.uri.queryParameters["source"].map(String.init),
                                                 now: Clocks.wallNanoseconds())
            }
            let added = imported.filter(\.isNew).reduce(0) { $0 + $1.header.lineCount }
            return Self.json(ImportResponse(statements: imported.map { StatementJSON($0.header, isNew: $0.isNew) }, importedLines: added),
                             status: imported.contains(where: \.isNew) ? .created : .ok)
        }
        route(router, .get, "/v1/recon/statements") { request, _, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .read)
            let headers = try await engineCall { try await StatementStore(engine: api.engine, tenant: principal.tenant).headers() }
            return Self.json(["statements": headers.map { StatementJSON($0) }])
        }
        route(router, .post, "/v1/recon/runs") { request, _, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .read)
            let format = request.uri.queryParameters["format"].map(String.init) ?? "json"
            guard ["json", "csv", "html"].contains(format) else { throw APIError(.invalidField, "format: json, csv or html is expected") }
            let run = try decode(ReconRunBody.self, try await body(&request))
            let report = try await reconcile(run, api, principal)
            switch format {
            case "csv":
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: report.csv())))
            case "html":
                let html = report.html(title: "Reconciliation, \(run.currency.code) processor clearing", currencyExponent: run.currency.exponent)
                return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
            default:
                return Self.json(report)
            }
        }
    }

    /// Statement lines of the chosen (or all) statements in the currency, against the clearing
    /// account's transfers in the date range widened by the window.
    private func reconcile(_ run: ReconRunBody, _ api: LedgerAPI, _ principal: Principal) async throws(APIError) -> ReconReport {
        let store = StatementStore(engine: api.engine, tenant: principal.tenant)
        let (lines, entries) = try await engineCall { () async throws -> ([StatementLine], [LedgerEntry]) in
            let records = try await api.engine.systemRecords()
            var headers = try await store.headers()
            if let wanted = run.statements {
                for digest in wanted where !headers.contains(where: { $0.digest == digest }) {
                    throw APIError(.statementNotFound, "no imported statement \(digest)")
                }
                headers = headers.filter { wanted.contains($0.digest) }
            }
            let window = run.options.dateWindowDays
            let lines = try headers.flatMap { try store.lines($0, records: records) }.filter { line in
                line.currency == run.currency.code
                    && run.from.map { (line.valueDate ?? line.bookingDate ?? $0) >= $0 } != false
                    && run.to.map { (line.valueDate ?? line.bookingDate ?? $0) <= $0 } != false
            }
            let day: UInt64 = 86_400_000_000_000
            let from = run.from.map { UInt64(max(0, $0.dayNumber - window)) * day } ?? 0
            let to = run.to.map { UInt64($0.dayNumber + window + 1) * day - 1 } ?? 0
            let entries = try await ClearingEntries.read(TenantLedger(api: api, principal: principal), currency: run.currency, from: from, to: to)
            return (lines, entries)
        }
        return Matcher.reconcile(lines: lines, entries: entries, options: run.options)
    }

    private func importParameters(_ request: Request) throws(APIError) -> (Statement.Format?, CSVMapping?) {
        let query = request.uri.queryParameters
        var format: Statement.Format?
        if let text = query["format"] {
            guard let parsed = Statement.Format(rawValue: String(text)) else {
                throw APIError(.invalidField, "format: one of \(Statement.Format.allCases.map(\.rawValue).joined(separator: ", ")) is expected")
            }
            format = parsed
        }
        var mapping: CSVMapping?
        if let preset = query["mapping"] {
            switch preset {
            case "adyen_settlement_details": mapping = .adyenSettlementDetails
            case "stripe_payout_reconciliation": mapping = .stripePayoutReconciliation
            default: throw APIError(.invalidField, "mapping: adyen_settlement_details or stripe_payout_reconciliation is expected")
            }
        } else if let json = request.headers[.csvMapping] {
            do {
                mapping = try JSONDecoder().decode(CSVMapping.self, from: Data(json.utf8))
            } catch {
                throw APIError(.invalidField, "Settle-CSV-Mapping: not a valid column mapping (\(error))")
            }
        }
        return (format, mapping)
    }

    private func engineCall<T>(_ body: () async throws -> T) async throws(APIError) -> T {
        do {
            return try await body()
        } catch {
            throw APIError.wrapping(error)
        }
    }
}
