import ArgumentParser
import Foundation
import SettleRecon

/// `settle recon`: statement import and reconciliation over a running server's HTTP API (tag
/// Reconciliation of docs/openapi.json).
struct ReconCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recon",
        abstract: "Import bank and processor statements into a running server and reconcile them against the ledger.",
        discussion: """
        Same connection options and exit status as `settle payments`: 0 on success, 1 when the \
        server refuses (stderr: `error: <code>: <message>`), 64 for a usage error, 69 when the \
        server cannot be reached.
        """,
        subcommands: [Import.self, Statements.self, Run.self]
    )

    /// The CSV column mappings the server has built in.
    enum MappingPreset: String, CaseIterable, ExpressibleByArgument {
        case adyenSettlementDetails = "adyen_settlement_details"
        case stripePayoutReconciliation = "stripe_payout_reconciliation"
    }

    enum ReportFormat: String, CaseIterable, ExpressibleByArgument { case json, csv, html }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a camt.053, camt.054, BAI2 or CSV statement file.",
            discussion: """
            Each statement is stored under its content digest, so importing the same file again \
            adds nothing ("imported_lines" : 0). A CSV file needs --mapping or --mapping-file \
            (a JSON column mapping, schema CSVMapping in docs/openapi.json).
            """
        )

        @OptionGroup var connection: ClientOptions
        @Argument(help: "The statement file.") var file: String
        @Option(help: ArgumentHelp("The file's format (default: detected by the server).",
                                   discussion: Statement.Format.allCases.map(\.rawValue).joined(separator: ", ")))
        var format: String?
        @Option(help: "A built-in CSV column mapping.") var mapping: MappingPreset?
        @Option(help: "A CSV column mapping as a JSON file, for a layout without a preset.") var mappingFile: String?
        @Option(help: "Free text stored with each new statement (default: the file's name).") var source: String?

        func validate() throws {
            if let format, Statement.Format(rawValue: format) == nil {
                throw ValidationError("--format: one of \(Statement.Format.allCases.map(\.rawValue).joined(separator: ", ")) is expected")
            }
            if mapping != nil, mappingFile != nil { throw ValidationError("--mapping and --mapping-file both name a mapping; give one") }
        }

        func run() async throws {
            let client = try connection.connection()
            let body = try Self.read(file, "the statement file")
            var headers: [(String, String)] = [("Content-Type", "application/octet-stream")]
            if let mappingFile {
                let json = try Self.read(mappingFile, "--mapping-file")
                guard (try? JSONSerialization.jsonObject(with: json)) is [String: Any] else {
                    throw ValidationError("--mapping-file: \(mappingFile) is not a JSON object")
                }
                headers.append(("Settle-CSV-Mapping", JSONLayout.headerLine(json)))
            }
            let query: [(String, String?)] = [
                ("format", format), ("mapping", mapping?.rawValue), ("source", source ?? URL(fileURLWithPath: file).lastPathComponent),
            ]
            ClientConnection.emit(try await client.call(.post, "/v1/recon/statements", query: query, headers: headers, body: body))
        }

        private static func read(_ path: String, _ what: String) throws -> Data {
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("\(what): cannot read \(path)") }
            return data
        }
    }

    struct Statements: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the imported statements, oldest import first.")

        @OptionGroup var connection: ClientOptions

        func run() async throws {
            ClientConnection.emit(try await connection.connection().call(.get, "/v1/recon/statements"))
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reconcile statement lines in a currency against its processor clearing account.",
            discussion: "Nothing is stored: the same request gives the same report, and a read key suffices."
        )

        @OptionGroup var connection: ClientOptions
        @Option(help: "Statement lines in this currency, against its clearing account.") var currency: String
        @Option(name: .customLong("statement"), help: "A statement's digest (`settle recon statements`); repeat for several; default all.")
        var statements: [String] = []
        @Option(help: "Only lines dated on or after this day (YYYY-MM-DD).") var from: String?
        @Option(help: "Only lines dated on or before this day (YYYY-MM-DD).") var to: String?
        @Option(help: "Largest distance in days between a line and a transfer the date rules accept (server default 3).") var dateWindowDays: UInt32?
        @Option(help: "Minor units by which amounts may differ and still match (server default 0).") var amountTolerance: UInt32?
        @Option(help: "The report's format: json, csv (for spreadsheets) or html (for people).") var output: ReportFormat = .json
        @Option(help: "Write the report to this file instead of stdout.") var out: String?

        func validate() throws {
            try ClientChecks.currency(currency)
            for digest in statements { try ClientChecks.digest(digest) }
            try ClientChecks.day(from, "--from")
            try ClientChecks.day(to, "--to")
        }

        func run() async throws {
            struct Body: Encodable {
                var currency: String
                var statements: [String]?
                var from: String?
                var to: String?
                var dateWindowDays: UInt32?
                var amountTolerance: UInt32?
            }
            let body = Body(currency: currency, statements: statements.isEmpty ? nil : statements, from: from, to: to,
                            dateWindowDays: dateWindowDays, amountTolerance: amountTolerance)
            let reply = try await connection.connection().call(.post, "/v1/recon/runs", query: [("format", output.rawValue)],
                                                               body: try ClientConnection.json(body))
            guard let out else { return ClientConnection.emit(reply) }
            do {
                try reply.body.write(to: URL(fileURLWithPath: out))
            } catch {
                FileHandle.standardError.write(Data("error: write_failed: \(out): \(error.localizedDescription)\n".utf8))
                throw ExitCode.failure
            }
            print("\(output.rawValue) report written to \(out) (\(reply.body.count) bytes)")
        }
    }
}
