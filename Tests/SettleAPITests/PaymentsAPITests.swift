import Foundation
import NIOHTTP1
@testable import SettleAPI
import SettlePayments
import Testing

/// Payment intents over HTTP on a live server: every route, its retries and its refusals.
@Suite struct PaymentsAPITests {
    func intentPath(_ id: Int, _ suffix: String = "") -> String { "/v1/payment_intents/\(id)\(suffix)" }

    func withTenant(_ body: (LiveServer, String) async throws -> Void) async throws {
        try await withTenant { server, key, _ in try await body(server, key) }
    }

    func withTenant(_ body: (LiveServer, String, UInt64) async throws -> Void) async throws {
        try await LiveServer.with { server in
            let (tenant, key) = try await server.newTenant("shop")
            let chart = try await server.request(.POST, "/v1/payments/chart", key: key, body: #"{"currencies": ["EUR", "JPY"]}"#)
            #expect(chart.status == 200, "\(chart.body)")
            try await body(server, key, tenant)
        }
    }

    @Test func everyPaymentRefusalHasAnAPICodeOfItsName() {
        for code in PaymentError.Code.allCases where code != .invalidRequest && code != .ledger {
            #expect(APIError(PaymentError(code, "x")).code.rawValue == code.rawValue, "\(code)")
        }
        #expect(APIError(PaymentError(.invalidRequest, "x")).code == .invalidField)
    }

    @Test func aLifecycleThroughEveryRoute() async throws {
        try await withTenant { server, key in
            let create = #"{"id": "41", "currency": "EUR", "amount": "10000", "reference": "order-41"}"#
            let created = try await server.request(.POST, "/v1/payment_intents", key: key, body: create)
            #expect(created.status == 201, "\(created.body)")
            let again = try await server.request(.POST, "/v1/payment_intents", key: key, body: create)
            #expect(again.status == 200 && (again.json["step"] as? [String: Any])?["applied"] as? Bool == false)

            let capture = try await server.request(.POST, intentPath(41, "/capture"), key: key, body: #"{"amount": "6000", "fee": "180"}"#,
                                                   headers: [("Idempotency-Key", "cap-41-a")])
            #expect(capture.status == 200, "\(capture.body)")
            let resent = try await server.request(.POST, intentPath(41, "/capture"), key: key, body: #"{"amount": "6000", "fee": "180"}"#,
                                                  headers: [("Idempotency-Key", "cap-41-a")])
            #expect((resent.json["step"] as? [String: Any])?["applied"] as? Bool == false)
            let reused = try await server.request(.POST, intentPath(41, "/capture"), key: key, body: #"{"amount": "5000"}"#,
                                                  headers: [("Idempotency-Key", "cap-41-a")])
            #expect(reused.status == 422 && reused.errorCode == "step_key_reused")
            let tooMuch = try await server.request(.POST, intentPath(41, "/capture"), key: key, body: #"{"amount": "4001", "sequence": 2}"#)
            #expect(tooMuch.status == 409 && tooMuch.errorCode == "capture_exceeds_authorization")
            let unkeyed = try await server.request(.POST, intentPath(41, "/capture"), key: key, body: #"{"amount": "1"}"#)
            #expect(unkeyed.status == 400 && unkeyed.errorCode == "invalid_field", "a capture must say which capture it is")

            let refund = try await server.request(.POST, intentPath(41, "/refunds"), key: key, body: #"{"amount": "1000", "sequence": 1}"#)
            #expect(refund.status == 200)
            let dispute = try await server.request(.POST, intentPath(41, "/disputes"), key: key, body: #"{"amount": "2000"}"#)
            #expect(dispute.status == 200, "\(dispute.body)")
            let won = try await server.request(.POST, intentPath(41, "/disputes/1/resolve"), key: key, body: #"{"outcome": "won"}"#)
            #expect(won.status == 200, "\(won.body)")
            let lost = try await server.request(.POST, intentPath(41, "/disputes/1/resolve"), key: key, body: #"{"outcome": "lost"}"#)
            #expect(lost.status == 409 && lost.errorCode == "dispute_already_resolved")

            let intent = try await server.request(.GET, intentPath(41), key: key)
            #expect(intent.json["status"] as? String == "partially_refunded")
            #expect(intent.json["captured"] as? String == "6000" && intent.json["refunded"] as? String == "1000")
            #expect(intent.json["capturable"] as? String == "4000" && intent.json["fees"] as? String == "180")
            #expect(intent.json["refundable"] as? String == "5000")

            let cancel = try await server.request(.POST, intentPath(41, "/cancel"), key: key)
            #expect(cancel.status == 200, "\(cancel.body)")
            let after = try await server.request(.GET, intentPath(41), key: key)
            #expect(after.json["capturable"] as? String == "0")
        }
    }

    @Test func listingByStatusAndTheBatchRoute() async throws {
        try await withTenant { server, key in
            let steps = (1...20).map { #"{"type": "authorize", "intent": "\#($0)", "currency": "JPY", "amount": "500"}"# }
            let authorized = try await server.request(.POST, "/v1/payments/steps", key: key, body: #"{"steps": [\#(steps.joined(separator: ","))]}"#)
            #expect(authorized.status == 200, "\(authorized.body)")
            let captures = (1...8).map { #"{"type": "capture", "intent": "\#($0)", "sequence": 1}"# }
                + [#"{"type": "capture", "intent": "999", "sequence": 1}"#]
            let reply = try await server.request(.POST, "/v1/payments/steps", key: key, body: #"{"steps": [\#(captures.joined(separator: ","))]}"#)
            let results = reply.json["results"] as? [[String: Any]] ?? []
            #expect(results.count == 9)
            #expect(results.prefix(8).allSatisfy { ($0["step"] as? [String: Any])?["applied"] as? Bool == true })
            #expect((results.last?["error"] as? [String: Any])?["code"] as? String == "intent_not_found")

            let captured = try await server.request(.GET, "/v1/payment_intents?status=captured&limit=5", key: key)
            #expect((captured.json["intents"] as? [Any])?.count == 5)
            let cursor = try #require(captured.json["next"] as? String)
            let rest = try await server.request(.GET, "/v1/payment_intents?status=captured&limit=5&after=\(cursor)", key: key)
            #expect((rest.json["intents"] as? [Any])?.count == 3 && rest.json["next"] == nil, "the last page has no next")
            let exact = try await server.request(.GET, "/v1/payment_intents?status=captured&limit=8", key: key)
            #expect((exact.json["intents"] as? [Any])?.count == 8 && exact.json["next"] == nil, "an exactly full last page has no next")
            let open = try await server.request(.GET, "/v1/payment_intents?status=authorized&limit=100", key: key)
            #expect((open.json["intents"] as? [Any])?.count == 12)
            let bad = try await server.request(.GET, "/v1/payment_intents?status=paid", key: key)
            #expect(bad.status == 400)
        }
    }

    @Test func theLargestBatchGoesThroughTheAPIsBatchLimits() async throws {
        try await withTenant { server, key in
            for type in ["authorize", "capture"] {
                let steps = (1...4_096).map { id in
                    type == "authorize" ? #"{"type": "authorize", "intent": "\#(id)", "currency": "EUR", "amount": "100"}"#
                        : #"{"type": "capture", "intent": "\#(id)", "sequence": 1, "fee": "1"}"#
                }
                let reply = try await server.request(.POST, "/v1/payments/steps", key: key, body: #"{"steps": [\#(steps.joined(separator: ","))]}"#)
                let results = reply.json["results"] as? [[String: Any]] ?? []
                #expect(reply.status == 200 && results.count == 4_096, "\(type): \(reply.body.prefix(300))")
                #expect(results.allSatisfy { $0["error"] == nil }, "\(type): \(results.first { $0["error"] != nil } ?? [:])")
            }
        }
    }

    @Test(arguments: [
        (#"{"id": "1", "currency": "EUR", "amount": "0"}"#, "invalid_field"),
        (#"{"id": "1", "currency": "XYZ", "amount": "5"}"#, "invalid_field"),
        (#"{"id": "1", "currency": "EUR", "amount": "-5"}"#, "invalid_field"),
        (#"{"id": "1", "currency": "EUR", "amount": "5", "colour": "red"}"#, "unknown_field"),
        (#"{"id": "1", "currency": "EUR", "amount": 5}"#, "invalid_field"),
        (#"{"id": "0", "currency": "EUR", "amount": "5"}"#, "invalid_field"),
        (#"{"id": "1", "currency": "USD", "amount": "5"}"#, "chart_of_accounts_missing"),
        (#"{"id": "1", "currency": "EUR", "amount": "5", "reference": ""}"#, "invalid_field"),
        ("not json", "malformed_request"),
    ])
    func badInputChangesNothing(body: String, code: String) async throws {
        try await withTenant { server, key in
            let reply = try await server.request(.POST, "/v1/payment_intents", key: key, body: body)
            #expect(reply.errorCode == code, "\(reply.body)")
            let list = try await server.request(.GET, "/v1/payment_intents", key: key)
            #expect((list.json["intents"] as? [Any])?.count == 0)
        }
    }

    @Test func anotherTenantSeesNoIntent() async throws {
        try await withTenant { server, key, tenant in
            _ = try await server.request(.POST, "/v1/payment_intents", key: key, body: #"{"id": "7", "currency": "EUR", "amount": "100"}"#)
            let (_, other) = try await server.newTenant("other")
            let read = try await server.request(.GET, intentPath(7), key: other)
            #expect(read.status == 404 && read.errorCode == "intent_not_found")
            let capture = try await server.request(.POST, intentPath(7, "/capture"), key: other, body: #"{"sequence": 1}"#)
            #expect(capture.status == 404)
            let reader = try await server.newKey(tenant: tenant, role: "read", as: key)
            let denied = try await server.request(.POST, intentPath(7, "/capture"), key: reader, body: #"{"sequence": 1}"#)
            #expect(denied.status == 403)
            #expect(try await server.request(.GET, intentPath(7), key: key).json["status"] as? String == "authorized")
        }
    }

    /// Issue 7's concurrency test over the wire: clients race captures and refunds on the same
    /// intents, resending each request and sending some twice at once.
    @Test func concurrentClientsNeverOvercaptureOrOverrefund() async throws {
        try await withTenant { server, key in
            let intents = 1...6
            for id in intents {
                _ = try await server.request(.POST, "/v1/payment_intents", key: key, body: #"{"id": "\#(id)", "currency": "EUR", "amount": "5000"}"#)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<8 {
                    group.addTask {
                        for round in 0..<12 {
                            let id = intents.lowerBound + (client * 7 + round * 5) % intents.count
                            let sequence = (client + round) % 4 + 1
                            let (path, body) = round % 3 == 2
                                ? ("/refunds", #"{"amount": "700", "sequence": \#(sequence)}"#)
                                : ("/capture", #"{"amount": "\#(sequence * 400)", "sequence": \#(sequence)}"#)
                            async let first = server.request(.POST, "/v1/payment_intents/\(id)\(path)", key: key, body: body)
                            async let duplicate = server.request(.POST, "/v1/payment_intents/\(id)\(path)", key: key, body: body)
                            let statuses = [try await first.status, try await duplicate.status]
                            #expect(statuses.allSatisfy { [200, 409].contains($0) }, "\(statuses)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            for id in intents {
                let intent = try await server.request(.GET, intentPath(id), key: key).json
                let authorized = UInt64(intent["authorized"] as? String ?? "") ?? 0
                let captured = UInt64(intent["captured"] as? String ?? "") ?? .max
                let refunded = UInt64(intent["refunded"] as? String ?? "") ?? .max
                let capturable = UInt64(intent["capturable"] as? String ?? "") ?? .max
                #expect(captured <= authorized && refunded <= captured && captured + capturable == authorized, "\(intent)")
                // Captures were 400, 800, 1200 or 1600 by sequence: each key applied at most once.
                #expect([0, 400, 800, 1200, 1600, 2000, 2400, 2800, 3200, 3600, 4000].contains(captured), "\(intent)")
            }
        }
    }
}
