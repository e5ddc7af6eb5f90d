import ArgumentParser
import Foundation

/// The steps on an authorized intent. Each is keyed (by `--sequence` or `--idempotency-key`),
/// so sending it again is a no-op that repeats the original outcome with "applied" : false.
extension PaymentsCommand {
    struct Capture: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Capture all or part of what an intent holds, booking a fee in the same chain.",
            discussion: "Give the step key as --sequence (capture number 1, 2, ...) or --idempotency-key."
        )

        @OptionGroup var connection: ClientOptions
        @OptionGroup var step: StepKeyOptions
        @Option(help: "Minor units to capture (default: everything still held).") var amount: String?
        @Option(help: "Minor units booked to platform revenue, at most the amount (default 0).") var fee: String?
        @Flag(help: "Release what stays uncaptured.") var final = false

        func validate() throws {
            try ClientChecks.decimal(amount, "--amount")
            try ClientChecks.decimal(fee, "--fee")
        }

        func run() async throws {
            struct Body: Encodable { var amount: String?; var fee: String?; var final: Bool?; var sequence: UInt32? }
            let body = Body(amount: amount, fee: fee, final: final ? true : nil, sequence: step.sequence)
            try await step.post(connection, "capture", body)
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release what an intent still holds; what was captured stays captured."
        )

        @OptionGroup var connection: ClientOptions
        @Option(help: "The intent's id.") var id: String

        func validate() throws { try ClientChecks.decimal(id, "--id") }

        func run() async throws {
            // An empty body: keyed by the server's default sequence 1, as an intent has one hold to release.
            ClientConnection.emit(try await connection.connection().call(.post, "/v1/payment_intents/\(id)/cancel", body: Data("{}".utf8)))
        }
    }

    struct Refund: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Return captured funds to the customer; the ledger refuses more than was captured.",
            discussion: "Give the step key as --sequence (refund number 1, 2, ...) or --idempotency-key."
        )

        @OptionGroup var connection: ClientOptions
        @OptionGroup var step: StepKeyOptions
        @Option(help: "Minor units to refund (default: all that is left).") var amount: String?

        func validate() throws {
            try ClientChecks.decimal(amount, "--amount")
        }

        func run() async throws {
            struct Body: Encodable { var amount: String?; var sequence: UInt32? }
            try await step.post(connection, "refunds", Body(amount: amount, sequence: step.sequence))
        }
    }

    struct Dispute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a dispute: move the merchant's funds to the dispute reserve.",
            discussion: "The dispute's --sequence (default 1) is its key; `resolve` names it again."
        )

        @OptionGroup var connection: ClientOptions
        @Option(help: "The intent's id.") var id: String
        @Option(help: "The dispute's number on this intent (server default 1).") var sequence: UInt32?
        @Option(help: "Minor units disputed (default: all captured and not refunded or disputed).") var amount: String?

        func validate() throws {
            try ClientChecks.decimal(id, "--id")
            try ClientChecks.sequence(sequence)
            try ClientChecks.decimal(amount, "--amount")
        }

        func run() async throws {
            struct Body: Encodable { var amount: String?; var sequence: UInt32? }
            let body = try ClientConnection.json(Body(amount: amount, sequence: sequence))
            ClientConnection.emit(try await connection.connection().call(.post, "/v1/payment_intents/\(id)/disputes", body: body))
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve a dispute: won returns the reserve to the merchant, lost pays it back through the processor."
        )

        enum Outcome: String, CaseIterable, ExpressibleByArgument { case won, lost }

        @OptionGroup var connection: ClientOptions
        @Option(help: "The intent's id.") var id: String
        @Option(help: "The dispute's sequence given when it was opened (1 if none was).") var sequence: UInt32
        @Option(help: "won or lost.") var outcome: Outcome

        func validate() throws {
            try ClientChecks.decimal(id, "--id")
            try ClientChecks.sequence(sequence)
        }

        func run() async throws {
            struct Body: Encodable { var outcome: String }
            let body = try ClientConnection.json(Body(outcome: outcome.rawValue))
            ClientConnection.emit(try await connection.connection().call(.post, "/v1/payment_intents/\(id)/disputes/\(sequence)/resolve", body: body))
        }
    }
}

/// `--id` and the step key of a capture or refund: `--sequence` goes in the body, an
/// `--idempotency-key` in the header of that name; exactly one of the two.
struct StepKeyOptions: ParsableArguments {
    @Option(help: "The intent's id.") var id: String
    @Option(help: "The step's number on this intent (1, 2, ...): its key.") var sequence: UInt32?
    @Option(help: "The step's key as free text (1 to 255 visible ASCII characters), e.g. your order event's id.") var idempotencyKey: String?

    func validate() throws {
        try ClientChecks.decimal(id, "--id")
        try ClientChecks.oneStepKey(sequence: sequence, idempotencyKey: idempotencyKey)
    }

    /// POSTs the step to `/v1/payment_intents/{id}/<route>` and prints the reply.
    func post(_ connection: ClientOptions, _ route: String, _ body: some Encodable) async throws {
        let headers = idempotencyKey.map { [("Idempotency-Key", $0)] } ?? []
        let reply = try await connection.connection().call(.post, "/v1/payment_intents/\(id)/\(route)", headers: headers,
                                                           body: try ClientConnection.json(body))
        ClientConnection.emit(reply)
    }
}
