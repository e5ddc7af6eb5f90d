import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SettleCore
import SettleEngine
import SettleMoney
import SettlePayments

extension HTTPRoutes {
    /// Payment intents (DESIGN §6). Each step's ledger ids derive from (intent, step, key), so
    /// the step key (a `sequence` in the body or the `Idempotency-Key` header) is what makes a
    /// retry a no-op: the same key and request return the original outcome, the same key with
    /// another request gets 422 `step_key_reused`.
    func addPaymentRoutes(_ router: Router<BasicRequestContext>) {
        route(router, .post, "/v1/payments/chart") { request, _, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .write)
            let currencies = try decode(ChartBody.self, try await body(&request)).currencies
            try await payments(api, principal) { (payments) throws(PaymentError) in try await payments.createChart(currencies) }
            return Self.json(ChartJSON(currencies))
        }
        route(router, .post, "/v1/payment_intents") { request, _, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .write)
            let fields = try decode(StepBody.self, try await body(&request)).fields
            let step = try parse { try fields.step("authorize", intent: try fields.object.u128("id"), idempotencyKey: nil) }
            return try await run(step, api, principal, created: true)
        }
        route(router, .get, "/v1/payment_intents") { request, _, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .read)
            let (status, after, limit) = try listParameters(request)
            let page = try await payments(api, principal, minOp: try minOp(request)) { (payments) throws(PaymentError) in
                try await payments.intents(status: status, after: after, limit: limit)
            }
            return Self.json(IntentPage(intents: page.intents.map(IntentJSON.init), next: page.next.map { String($0) }))
        }
        route(router, .get, "/v1/payment_intents/{id}") { request, context, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .read)
            let id = try pathID(context, "id")
            let intent = try await payments(api, principal, minOp: try minOp(request)) { (payments) throws(PaymentError) in try await payments.intent(id) }
            return Self.json(IntentJSON(intent))
        }
        for (path, type) in [("capture", "capture"), ("cancel", "cancel"), ("refunds", "refund"), ("disputes", "open_dispute")] {
            route(router, .post, "/v1/payment_intents/{id}/\(path)") { request, context, api throws(APIError) in
                let principal = try api.authorize(bearer: bearer(request), .write)
                let id = try pathID(context, "id")
                let key = try idempotencyKey(request)
                let fields = try stepFields(try await body(&request))
                let step = try parse { try fields.step(type, intent: id, idempotencyKey: key) }
                return try await run(step, api, principal, created: false)
            }
        }
        route(router, .post, "/v1/payment_intents/{id}/disputes/{sequence}/resolve") { request, context, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .write)
            let id = try pathID(context, "id")
            guard let sequence = context.parameters.get("sequence").flatMap(UInt32.init), sequence > 0 else {
                throw APIError(.invalidField, "sequence: the dispute's sequence number (1 or more) is expected")
            }
            let fields = try stepFields(try await body(&request))
            let step = try parse { () throws in
                guard case .resolveDispute(let intent, _, let won) = try fields.step("resolve_dispute", intent: id, idempotencyKey: nil) else {
                    preconditionFailure("resolve_dispute parses to resolveDispute")
                }
                return PaymentStep.resolveDispute(intent: intent, key: .sequence(sequence), won: won)
            }
            return try await run(step, api, principal, created: false)
        }
        route(router, .post, "/v1/payments/steps") { request, _, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .write)
            let buffer = try await body(&request)
            var steps = buffer.withUnsafeReadableBytes { BatchJSONReader.steps($0) } ?? []
            if steps.isEmpty { steps = try decode(StepsBody.self, buffer).steps }
            let results = try await payments(api, principal) { (payments) throws(PaymentError) in try await payments.run(steps) }
            let response = StepsResponse(results: zip(steps, results).map { step, result in
                switch result {
                case .success(let outcome): StepsResponse.Item(intent: String(step.intent), step: StepJSON(outcome), error: nil)
                case .failure(let error):
                    StepsResponse.Item(intent: String(step.intent), step: nil, error: .init(code: APIError(error).code.rawValue, message: error.message))
                }
            })
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: response.encoded())))
        }
    }

    private func run(_ step: PaymentStep, _ api: LedgerAPI, _ principal: Principal, created: Bool) async throws(APIError) -> Response {
        let (outcome, intent) = try await payments(api, principal) { (payments) throws(PaymentError) in
            let outcome = try await payments.run(step)
            return (outcome, try await payments.intent(step.intent))
        }
        return Self.json(StepResponse(step: StepJSON(outcome), intent: IntentJSON(intent)), status: created && outcome.applied ? .created : .ok)
    }

    /// `minOp`: the commit position the reads must see (reads only; a write goes to the writer,
    /// which has every op).
    private func payments<T: Sendable>(_ api: LedgerAPI, _ principal: Principal, minOp: UInt64 = 0,
                                       _ body: (Payments) async throws(PaymentError) -> T) async throws(APIError) -> T {
        let ledger = TenantLedger(api: api, principal: principal, minOp: minOp)
        let payments = Payments(ledger: ledger, clock: { Clocks.wallNanoseconds() })
        do throws(PaymentError) {
            return try await body(payments)
        } catch {
            throw APIError(error)
        }
    }

    /// An empty body is an empty object: `POST .../cancel` needs no fields.
    private func stepFields(_ buffer: ByteBuffer) throws(APIError) -> StepFields {
        buffer.readableBytes == 0 ? try decode(StepBody.self, ByteBuffer(string: "{}")).fields : try decode(StepBody.self, buffer).fields
    }

    private func parse<T>(_ body: () throws -> T) throws(APIError) -> T {
        do {
            return try body()
        } catch let error as FieldError {
            throw APIError(error.code, "\(error.path): \(error.message)")
        } catch let error as DecodingError {
            throw Self.apiError(error)
        } catch {
            throw APIError(.malformedRequest, "the body could not be decoded")
        }
    }

    private func idempotencyKey(_ request: Request) throws(APIError) -> String? {
        guard let key = request.headers[.idempotencyKey] else { return nil }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw APIError(.invalidField, "Idempotency-Key: 1 to 255 visible ASCII characters are expected")
        }
        return key
    }

    private func listParameters(_ request: Request) throws(APIError) -> (PaymentIntent.Status?, UInt64, Int) {
        let query = request.uri.queryParameters
        var status: PaymentIntent.Status?
        if let text = query["status"] {
            guard let parsed = PaymentIntent.Status(rawValue: String(text)) else {
                throw APIError(.invalidField, "status: one of \(PaymentIntent.Status.allCases.map(\.rawValue).joined(separator: ", ")) is expected")
            }
            status = parsed
        }
        let after = try query["after"].map { (text) throws(APIError) -> UInt64 in
            guard let value = DecimalCoding.parse64(text) else { throw APIError(.invalidField, "after: the cursor of the previous page is expected") }
            return value
        } ?? 0
        let limit = try query["limit"].map { (text) throws(APIError) -> Int in
            guard let value = Int(text), (1...1000).contains(value) else { throw APIError(.invalidField, "limit: 1 to 1000 is expected") }
            return value
        } ?? 100
        return (status, after, limit)
    }
}

struct IntentPage: Encodable {
    var intents: [IntentJSON]
    /// Pass as `after` for the next page; absent on the last page.
    var next: String?
}
