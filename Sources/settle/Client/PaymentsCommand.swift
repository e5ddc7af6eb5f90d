import ArgumentParser
import SettlePayments

/// `settle payments`: payment intents over a running server's HTTP API (tag Payments of
/// docs/openapi.json), one subcommand per route.
struct PaymentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments",
        abstract: "Payment intents on a running server: authorize, capture, refund, dispute, list.",
        discussion: """
        Each subcommand is one HTTP request to --url with the API key from --key or \
        SETTLE_API_KEY; the server's JSON reply is printed on success. Amounts are minor units \
        (cents for EUR) and ids decimal integers. A step keyed by --sequence or \
        --idempotency-key may be repeated safely: a repeat changes nothing and answers \
        "applied" : false. Exit status: 0 on success; 1 when the server refuses (stderr: \
        `error: <code>: <message>`, codes as in docs/openapi.json); 64 for a usage error; 69 \
        when the server cannot be reached.
        """,
        subcommands: [Chart.self, Authorize.self, Capture.self, Cancel.self, Refund.self, Dispute.self, Resolve.self, Get.self, List.self]
    )

    struct Chart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the chart of accounts of each currency (once, before its first authorize; repeating it changes nothing)."
        )

        @OptionGroup var connection: ClientOptions
        @Option(name: .customLong("currency"), help: "An ISO 4217 code; repeat for several.") var currencies: [String] = []

        func validate() throws {
            guard !currencies.isEmpty else { throw ValidationError("--currency is required (repeat it for several)") }
            for currency in currencies { try ClientChecks.currency(currency) }
        }

        func run() async throws {
            struct Body: Encodable { var currencies: [String] }
            let client = try connection.connection()
            ClientConnection.emit(try await client.call(.post, "/v1/payments/chart", body: try ClientConnection.json(Body(currencies: currencies))))
        }
    }

    struct Authorize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Authorize a payment intent: hold the amount until it is captured, canceled or expires.",
            discussion: "The intent id is the key: the same authorize again changes nothing (\"applied\" : false)."
        )

        @OptionGroup var connection: ClientOptions
        @Option(help: "The intent's id, chosen by you: unique in the tenant, not 0.") var id: String
        @Option(help: "ISO 4217 code; its chart must exist (`settle payments chart`).") var currency: String
        @Option(help: "The amount to hold, in minor units.") var amount: String
        @Option(help: "Seconds until the ledger releases the hold (server default: 7 days; 0: never).") var expiresIn: UInt32?
        @Option(help: "The processor's reference (PSP reference, charge id), which reconciliation matches on.") var reference: String?

        func validate() throws {
            try ClientChecks.decimal(id, "--id")
            try ClientChecks.currency(currency)
            try ClientChecks.decimal(amount, "--amount")
            if let reference, !(1...256).contains(reference.utf8.count) { throw ValidationError("--reference: 1 to 256 bytes are expected") }
        }

        func run() async throws {
            struct Body: Encodable { var id: String; var currency: String; var amount: String; var expiresInSeconds: UInt32?; var reference: String? }
            let body = Body(id: id, currency: currency, amount: amount, expiresInSeconds: expiresIn, reference: reference)
            let client = try connection.connection()
            ClientConnection.emit(try await client.call(.post, "/v1/payment_intents", body: try ClientConnection.json(body)))
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a payment intent as the ledger has it now.")

        @OptionGroup var connection: ClientOptions
        @Option(help: "The intent's id.") var id: String

        func validate() throws { try ClientChecks.decimal(id, "--id") }

        func run() async throws {
            let client = try connection.connection()
            ClientConnection.emit(try await client.call(.get, "/v1/payment_intents/\(id)"))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List payment intents in creation order, a page at a time.",
            discussion: "Pass a page's \"next\" as --after for the following page; the last page has none."
        )

        @OptionGroup var connection: ClientOptions
        @Option(help: ArgumentHelp("Only intents with this status.",
                                   discussion: PaymentIntent.Status.allCases.map(\.rawValue).joined(separator: ", ")))
        var status: String?
        @Option(help: "At most this many intents (server: 1 to 1000, default 100).") var limit: Int?
        @Option(help: "The previous page's \"next\".") var after: String?

        func validate() throws {
            if let status, PaymentIntent.Status(rawValue: status) == nil {
                throw ValidationError("--status: one of \(PaymentIntent.Status.allCases.map(\.rawValue).joined(separator: ", ")) is expected")
            }
            try ClientChecks.decimal(after, "--after")
        }

        func run() async throws {
            let client = try connection.connection()
            let query: [(String, String?)] = [("status", status), ("limit", limit.map(String.init)), ("after", after)]
            ClientConnection.emit(try await client.call(.get, "/v1/payment_intents", query: query))
        }
    }
}
