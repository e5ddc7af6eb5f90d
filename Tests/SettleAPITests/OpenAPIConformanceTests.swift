import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import Testing
@testable import SettleAPI
import SettleCore
import SettlePayments
import SettleRecon

/// docs/openapi.json against the server, both ways: the routes are the documented ones, the
/// document's vocabulary (error codes, result codes, flags, limits) is the server's, and a live
/// server's answers — success and error — have documented statuses and bodies of the
/// documented shapes.
@Suite("OpenAPI conformance")
struct OpenAPIConformanceTests {
    @Test func everyServedRouteIsDocumentedAndEveryDocumentedRouteIsServed() throws {
        let document = try OpenAPIDocument.load()
        let router = HTTPRoutes(state: ServerState(metrics: APIMetrics())).router()
        let served = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        let documented = Set(document.operations.map(\.name))
        #expect(served.count == 33)
        #expect(served.subtracting(documented).isEmpty, "served, not documented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented, not served: \(documented.subtracting(served).sorted())")
    }

    @Test func theDocumentSpeaksTheServersVocabulary() throws {
        let document = try OpenAPIDocument.load()
        let schemas = document.schemas
        #expect(document.enumeration(schemas["Error"], "error", "code") == APIError.Code.allCases.map(\.rawValue))
        #expect(document.enumeration(schemas["CreateAccountResult"])
                == CreateAccountResult.allCases.filter { $0 != .ok }.map { snakeCase("\($0)") })
        #expect(document.enumeration(schemas["CreateTransferResult"])
                == CreateTransferResult.allCases.filter { $0 != .ok }.map { snakeCase("\($0)") })
        #expect(document.enumeration(schemas["AccountFlag"]) == FlagNames.account.map(\.0))
        #expect(document.enumeration(schemas["TransferFlag"]) == FlagNames.transfer.map(\.0))
        #expect(document.enumeration(schemas["Role"]) == Role.allCases.map(\.rawValue))
        for (schema, field) in [("CreateAccountsRequest", "accounts"), ("CreateTransfersRequest", "transfers"), ("IDsRequest", "ids")] {
            let array = try #require(document.property(schemas[schema], field))
            #expect(array["minItems"] as? Int == 1 && array["maxItems"] as? Int == StateMachine.batchEventsMax, "\(schema)")
        }
        // Payments and reconciliation: statuses, roles, formats, rules and limits are the server's.
        #expect(document.enumeration(schemas["PaymentIntentStatus"]) == PaymentIntent.Status.allCases.map(\.rawValue))
        #expect(Set((document.property(schemas["ChartAccounts"])?["properties"] as? [String: Any] ?? [:]).keys)
                == Set(ChartOfAccounts.Role.allCases.map(\.name)))
        #expect(document.property(schemas["StepsRequest"], "steps")?["maxItems"] as? Int == StepsBody.stepsMax)
        #expect(Set((document.property(schemas["PaymentStep"])?["properties"] as? [String: Any] ?? [:]).keys) == StepFields.known.subtracting(["id"]))
        for schema in ["AuthorizeRequest", "CaptureRequest", "CancelRequest", "RefundRequest", "DisputeRequest", "ResolveDisputeRequest"] {
            let fields = Set((document.property(schemas[schema])?["properties"] as? [String: Any] ?? [:]).keys)
            #expect(!fields.isEmpty && fields.isSubset(of: StepFields.known), "\(schema): \(fields.subtracting(StepFields.known))")
        }
        #expect(document.enumeration(schemas["StatementFormat"]) == Statement.Format.allCases.map(\.rawValue))
        #expect(document.enumeration(schemas["MatchRule"]) == MatchRule.allCases.map(\.rawValue))
        #expect(document.enumeration(schemas["CSVMapping"], "dateFormat") == CSVMapping.DateFormat.allCases.map(\.rawValue))
        let window = try #require(document.property(schemas["ReconRunRequest"], "date_window_days"))
        #expect(window["minimum"] as? Int == MatchOptions.dateWindowDaysRange.lowerBound && window["maximum"] as? Int == MatchOptions.dateWindowDaysRange.upperBound)
        let tolerance = try #require(document.property(schemas["ReconRunRequest"], "amount_tolerance"))
        #expect(tolerance["minimum"] as? Int == Int(MatchOptions.amountToleranceMinorRange.lowerBound)
                && tolerance["maximum"] as? Int == Int(MatchOptions.amountToleranceMinorRange.upperBound))
        let group = try #require(document.property(schemas["ReconOptions"], "max_group_size"))
        #expect(group["minimum"] as? Int == MatchOptions.maxGroupSizeRange.lowerBound && group["maximum"] as? Int == MatchOptions.maxGroupSizeRange.upperBound)
        let windowUsed = try #require(document.property(schemas["ReconOptions"], "date_window_days"))
        #expect(windowUsed["maximum"] as? Int == MatchOptions.dateWindowDaysRange.upperBound)

        for operation in document.operations {
            // Only health and metrics are open; everything else takes the global bearer scheme.
            #expect(operation.isOpen == (operation.name.hasPrefix("GET /health/") || operation.name == "GET /metrics"), "\(operation.name)")
            // Each error status lists exactly the codes the server answers with that status.
            for (status, response) in operation.object["responses"] as? [String: Any] ?? [:] {
                let schema = document.schema(document.resolved(response), "application/json")
                for code in document.enumeration(schema, "error", "code") {
                    let mapped = APIError.Code(rawValue: code).map { Int(APIError($0, "").httpStatus.code) }
                    #expect(mapped == Int(status), "\(operation.name): \(code) is documented under \(status)")
                }
            }
        }
        for (name, schema) in schemas {
            #expect(document.validator.unsupported(in: schema as? [String: Any] ?? [:], at: name).isEmpty)
        }
    }

    @Test func everyOperationSucceedsWithTheDocumentedShape() async throws {
        let document = try OpenAPIDocument.load()
        try await LiveServer.with { server async throws in
            let probe = ConformanceProbe(document: document, server: server)
            let op = LiveServer.operatorKey
            try await probe.call(.GET, "/health/live", expect: 200)
            try await probe.call(.GET, "/health/ready", expect: 200)
            let metrics = try await probe.call(.GET, "/metrics", expect: 200)
            #expect(metrics.body.contains("# TYPE"))

            let created = try await probe.call(.POST, "/v1/tenants", key: op, body: #"{"name": "conformance", "rate_limit_per_second": 0}"#, expect: 201)
            let tenant = try #require((created.json["id"] as? NSNumber)?.uint64Value)
            try await probe.call(.GET, "/v1/tenants", key: op, expect: 200)
            try await probe.call(.GET, "/v1/tenants/\(tenant)", key: op, expect: 200)
            try await probe.call(.PATCH, "/v1/tenants/\(tenant)", key: op, body: #"{"rate_limit_burst": 10}"#, expect: 200)
            let admin = try await probe.call(.POST, "/v1/tenants/\(tenant)/keys", key: op, body: #"{"role": "admin", "label": "ci"}"#, expect: 201)
            let key = try #require((admin.json["secret"]) as? String)

            let accounts = #"{"accounts": [{"id": "1", "ledger": 1, "code": 1, "flags": ["history"]}, {"id": "2", "ledger": 1, "code": 1, "user_data_128": "340282366920938463463374607431768211455"}, {"id": "0", "ledger": 1, "code": 1}]}"#
            let first = try await probe.call(.POST, "/v1/accounts", key: key, body: accounts, headers: [("Idempotency-Key", "accounts-1")], expect: 200)
            #expect(first.body.contains(#"{"index":2,"result":"id_must_not_be_zero"}"#))
            let replay = try await probe.call(.POST, "/v1/accounts", key: key, body: accounts, headers: [("Idempotency-Key", "accounts-1")], expect: 200)
            #expect(replay.body == first.body)
            let transfers = #"{"transfers": [{"id": "1", "debit_account_id": "1", "credit_account_id": "2", "amount": "10", "ledger": 1, "code": 7, "user_data_32": 4294967295}, {"id": "2", "debit_account_id": "9", "credit_account_id": "2", "amount": "1", "ledger": 1, "code": 7}]}"#
            let posted = try await probe.call(.POST, "/v1/transfers", key: key, body: transfers, expect: 200)
            #expect(posted.body.contains(#"{"index":1,"result":"debit_account_not_found"}"#))

            let found = try await probe.call(.POST, "/v1/accounts/lookup", key: key, body: #"{"ids": ["2", "1", "3"]}"#, expect: 200)
            #expect((found.json["accounts"] as? [[String: Any]])?.map { $0["id"] as? String } == ["2", "1"])
            let lookup = try await probe.call(.POST, "/v1/transfers/lookup", key: key, body: #"{"ids": ["1", "2"]}"#, expect: 200)
            #expect((lookup.json["transfers"] as? [Any])?.count == 1)
            let account = try await probe.call(.GET, "/v1/accounts/1", key: key, expect: 200)
            #expect(account.json["debits_posted"] as? String == "10" && account.json["flags"] as? [String] == ["history"])
            try await probe.call(.GET, "/v1/transfers/1", key: key, expect: 200)
            let query = "timestamp_min=0&timestamp_max=0&user_data_128=0&user_data_64=0&user_data_32=4294967295&code=7&limit=10&debits=true&credits=false&reversed=true"
            let history = try await probe.call(.GET, "/v1/accounts/1/transfers?\(query)", key: key, expect: 200)
            #expect((history.json["transfers"] as? [Any])?.count == 1)
            let balances = try await probe.call(.GET, "/v1/accounts/1/balances?\(query)", key: key, expect: 200)
            #expect((balances.json["balances"] as? [[String: Any]])?.first?["debits_posted"] as? String == "10")
            let queried = try await probe.call(.POST, "/v1/accounts/query", key: key, body: #"{"ledger": 1, "code": 1, "limit": 10, "reversed": true}"#, expect: 200)
            #expect((queried.json["accounts"] as? [[String: Any]])?.map { $0["id"] as? String } == ["2", "1"])
            let matching = try await probe.call(.POST, "/v1/transfers/query", key: key, body: #"{"user_data_32": 4294967295, "timestamp_min": "1"}"#, expect: 200)
            #expect((matching.json["transfers"] as? [Any])?.count == 1)
            // A limit of 0 returns nothing; one above a batch is capped, not refused.
            let none = try await probe.call(.GET, "/v1/accounts/1/transfers?limit=0", key: key, expect: 200)
            #expect((none.json["transfers"] as? [Any])?.isEmpty == true)
            try await probe.call(.POST, "/v1/accounts/query", key: key, body: #"{"limit": 4294967295}"#, expect: 200)

            let reader = try await probe.call(.POST, "/v1/tenants/\(tenant)/keys", key: key, body: #"{"role": "read"}"#, expect: 201)
            let readerID = try #require((reader.json["key"] as? [String: Any])?["id"] as? String)
            let revoked = try await probe.call(.DELETE, "/v1/tenants/\(tenant)/keys/\(readerID)", key: key, expect: 200)
            #expect(revoked.json["revoked_at"] is NSNumber)
            let keys = try await probe.call(.GET, "/v1/tenants/\(tenant)/keys", key: key, expect: 200)
            let listed = try #require(keys.json["keys"] as? [[String: Any]])
            #expect(listed.count == 2 && listed.filter { $0["revoked_at"] != nil }.map { $0["id"] as? String } == [readerID])

            try await exercisePayments(probe, key: key)
            try await exerciseReconciliation(probe, key: key)

            let missed = Set(document.operations.map(\.name)).subtracting(probe.succeeded)
            #expect(missed.isEmpty, "documented operations never answered 2xx: \(missed.sorted())")
        }
    }

    /// Every payment route on one tenant, with intents shaped for `exerciseReconciliation`: their
    /// references are charge ids of the Stripe sample, so the report has an item in every list.
    func exercisePayments(_ probe: ConformanceProbe, key: String) async throws {
        func path(_ id: Int, _ suffix: String = "") -> String { "/v1/payment_intents/\(id)\(suffix)" }
        func step(_ reply: LiveServer.HTTPReply) -> [String: Any] { reply.json["step"] as? [String: Any] ?? [:] }
        let chart = try await probe.call(.POST, "/v1/payments/chart", key: key, body: #"{"currencies": ["EUR", "jpy"]}"#, expect: 200)
        #expect((chart.json["ledgers"] as? [[String: Any]])?.map { $0["currency"] as? String } == ["EUR", "JPY"])
        try await probe.call(.POST, "/v1/payments/chart", key: key, body: #"{"currencies": ["EUR"]}"#, expect: 200)

        // 41: two captures (one keyed by header, one by sequence) and a refund; the sample's
        // charge line matches both captures as a group, its refund line the refund.
        let authorize = #"{"id": "41", "currency": "EUR", "amount": "10000", "expires_in_seconds": 3600, "reference": "ch_3Sample00000001"}"#
        let created = try await probe.call(.POST, "/v1/payment_intents", key: key, body: authorize, expect: 201)
        #expect(step(created)["applied"] as? Bool == true && (created.json["intent"] as? [String: Any])?["status"] as? String == "authorized")
        let again = try await probe.call(.POST, "/v1/payment_intents", key: key, body: authorize, expect: 200)
        #expect(step(again)["applied"] as? Bool == false)
        let capture = #"{"amount": "6000", "fee": "180"}"#
        let captured = try await probe.call(.POST, path(41, "/capture"), key: key, body: capture, headers: [("Idempotency-Key", "cap-41-a")], expect: 200)
        #expect(step(captured)["applied"] as? Bool == true)
        let retried = try await probe.call(.POST, path(41, "/capture"), key: key, body: capture, headers: [("Idempotency-Key", "cap-41-a")], expect: 200)
        #expect(step(retried)["applied"] as? Bool == false && step(retried)["commit_op"] as? String == "0")
        try await probe.call(.POST, path(41, "/capture"), key: key, body: #"{"amount": "4000", "sequence": 2, "final": true}"#, expect: 200)
        try await probe.call(.POST, path(41, "/refunds"), key: key, body: #"{"amount": "2000", "sequence": 1}"#,
                             headers: [("Idempotency-Key", "ignored-as-the-sequence-wins")], expect: 200)
        let intent = try await probe.call(.GET, path(41), key: key, expect: 200)
        #expect(intent.json["status"] as? String == "partially_refunded" && intent.json["refundable"] as? String == "8000")

        // 42 and 45 share a charge id and amount: one capture matches, the other is a ledger-side duplicate.
        // 46 is captured at another amount than its statement line: an amount mismatch.
        for (id, reference, amount) in [(42, "ch_3Sample00000002", 4550), (45, "ch_3Sample00000002", 4550), (46, "ch_3Sample00000003", 11000)] {
            try await probe.call(.POST, "/v1/payment_intents", key: key,
                                 body: #"{"id": "\#(id)", "currency": "EUR", "amount": "\#(amount)", "reference": "\#(reference)"}"#, expect: 201)
            try await probe.call(.POST, path(id, "/capture"), key: key, body: #"{"sequence": 1}"#, expect: 200)
        }
        // 43 is canceled (no body at all); 44 disputed and the dispute won: its capture is on no statement.
        try await probe.call(.POST, "/v1/payment_intents", key: key, body: #"{"id": "43", "currency": "JPY", "amount": "500"}"#, expect: 201)
        let canceled = try await probe.call(.POST, path(43, "/cancel"), key: key, expect: 200)
        #expect((canceled.json["intent"] as? [String: Any])?["status"] as? String == "canceled")
        try await probe.call(.POST, "/v1/payment_intents", key: key, body: #"{"id": "44", "currency": "EUR", "amount": "8000", "reference": "order-44"}"#, expect: 201)
        try await probe.call(.POST, path(44, "/capture"), key: key, body: "{}", headers: [("Idempotency-Key", "cap-44")], expect: 200)
        try await probe.call(.POST, path(44, "/disputes"), key: key, body: #"{"amount": "2000"}"#, expect: 200)
        let disputed = try await probe.call(.GET, path(44), key: key, expect: 200)
        #expect(disputed.json["status"] as? String == "disputed" && (disputed.json["disputes"] as? [[String: Any]])?.first?["state"] as? String == "open")
        let won = try await probe.call(.POST, path(44, "/disputes/1/resolve"), key: key, body: #"{"outcome": "won"}"#, expect: 200)
        #expect((won.json["intent"] as? [String: Any])?["status"] as? String == "dispute_won")

        let steps = #"{"steps": [{"type": "authorize", "intent": "47", "currency": "EUR", "amount": "300", "reference": "order-47"}, {"type": "open_dispute", "intent": "46", "amount": "100"}, {"type": "refund", "intent": "42", "sequence": 9, "amount": "100000"}, {"type": "cancel", "intent": "999"}]}"#
        let batch = try await probe.call(.POST, "/v1/payments/steps", key: key, body: steps, expect: 200)
        let results = try #require(batch.json["results"] as? [[String: Any]])
        #expect(results.map { $0["intent"] as? String } == ["47", "46", "42", "999"])
        #expect(results.map { ($0["error"] as? [String: Any])?["code"] as? String } == [nil, nil, "refund_exceeds_captured", "intent_not_found"])

        let page = try await probe.call(.GET, "/v1/payment_intents?limit=2", key: key, expect: 200)
        let next = try #require(page.json["next"] as? String)
        let rest = try await probe.call(.GET, "/v1/payment_intents?after=\(next)&limit=1000", key: key, expect: 200)
        #expect((page.json["intents"] as? [Any])?.count == 2 && (rest.json["intents"] as? [Any])?.count == 5 && rest.json["next"] == nil)
        let refunded = try await probe.call(.GET, "/v1/payment_intents?status=partially_refunded", key: key, expect: 200)
        #expect((refunded.json["intents"] as? [[String: Any]])?.map { $0["id"] as? String } == ["41"])
    }

    /// Statement import (XML, a CSV preset, a CSV mapping in a header) and a reconciliation run
    /// in each format, after `exercisePayments`.
    func exerciseReconciliation(_ probe: ConformanceProbe, key: String) async throws {
        let camt = try Samples.text("camt053_v02_fi-fffs_sample.xml")
        let first = try await probe.call(.POST, "/v1/recon/statements?source=bank", key: key, body: camt, contentType: "application/xml", expect: 201)
        #expect(first.json["imported_lines"] as? Int == 10)
        #expect((first.json["statements"] as? [[String: Any]])?.map { $0["new"] as? Bool } == [true])
        // Stored under its content digest: the same statement again adds nothing.
        let second = try await probe.call(.POST, "/v1/recon/statements?format=camt053&source=again", key: key, body: camt,
                                          contentType: "application/xml", expect: 200)
        #expect(second.json["imported_lines"] as? Int == 0)
        let again = try #require((second.json["statements"] as? [[String: Any]])?.first)
        #expect(again["new"] as? Bool == false && again["source"] as? String == "bank")

        let stripe = try await probe.call(.POST, "/v1/recon/statements?mapping=stripe_payout_reconciliation", key: key,
                                          body: try Samples.text("stripe_payout-reconciliation_synthetic.csv"), contentType: "text/csv", expect: 201)
        let stripeDigest = try #require((stripe.json["statements"] as? [[String: Any]])?.first?["digest"] as? String)
        let mapping = #"{"date": "day", "amount": {"signed": {"column": "amount"}}, "currency": {"fixed": {"code": "EUR"}}, "reference": "ref", "dateFormat": "dd.MM.yyyy", "decimalSeparator": ",", "delimiter": ";"}"#
        let mappingSchema = try #require(probe.document.schemas["CSVMapping"] as? [String: Any])
        #expect(probe.document.validator.errors(of: try JSONSerialization.jsonObject(with: Data(mapping.utf8)), against: mappingSchema) == [])
        try await probe.call(.POST, "/v1/recon/statements?format=csv", key: key, body: "day;amount;ref\r\n06.07.2026;12,50;order-44\r\n",
                             headers: [("Settle-CSV-Mapping", mapping)], contentType: "text/csv", expect: 201)
        let listed = try await probe.call(.GET, "/v1/recon/statements", key: key, expect: 200)
        #expect((listed.json["statements"] as? [[String: Any]])?.map { $0["format"] as? String } == ["camt053", "csv", "csv"])

        let report = try await probe.call(.POST, "/v1/recon/runs", key: key, body: #"{"currency": "EUR", "statements": ["\#(stripeDigest)"]}"#, expect: 200)
        let summary = try #require(report.json["summary"] as? [String: Any])
        func count(_ list: String) -> Int? { (summary[list] as? [String: Any])?["count"] as? Int }
        #expect(summary["line_count"] as? Int == 8)
        #expect(summary["matched_by_reference"] as? Int == 2 && summary["matched_one_to_many"] as? Int == 1, "\(summary)")
        #expect(count("duplicates") == 1 && count("amount_mismatches") == 1 && count("unmatched_lines") == 4, "\(summary)")
        #expect(count("unmatched_entries") == 1, "\(summary)")
        for list in ["matched", "unmatched_lines", "unmatched_entries", "duplicates", "amount_mismatches"] {
            #expect((report.json[list] as? [Any])?.isEmpty == false, "\(list) is empty, so its item schema went unchecked")
        }
        let options = #"{"currency": "eur", "from": "2026-07-01", "to": "2026-07-31", "date_window_days": 366, "amount_tolerance": 10000, "one_to_many": false}"#
        try await probe.call(.POST, "/v1/recon/runs?format=json", key: key, body: options, expect: 200)
        let csv = try await probe.call(.POST, "/v1/recon/runs?format=csv", key: key, body: #"{"currency": "EUR"}"#, expect: 200)
        #expect(csv.body.hasPrefix(ReconReport.csvHeader.joined(separator: ",") + "\r\n"))
        let html = try await probe.call(.POST, "/v1/recon/runs?format=html", key: key, body: #"{"currency": "EUR", "statements": []}"#, expect: 200)
        #expect(html.body.contains("<html"))
    }

    @Test func errorsAnswerWithDocumentedStatusesCodesAndBodies() async throws {
        let document = try OpenAPIDocument.load()
        try await LiveServer.with { server async throws in
            let probe = ConformanceProbe(document: document, server: server)
            // Every operation but health and metrics wants a key.
            for operation in document.operations where !operation.isOpen {
                let path = operation.path.replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(of: "{tenant}", with: "1")
                    .replacingOccurrences(of: "{key}", with: "0123456789abcdef").replacingOccurrences(of: "{sequence}", with: "1")
                try await probe.call(operation.method, path, body: operation.method == .GET || operation.method == .DELETE ? nil : "{}",
                                     expect: 401, code: "unauthenticated")
            }
            let tenant = try await server.newTenant("errors")
            let reader = try await server.newKey(tenant: tenant.id, role: "read", as: tenant.key)
            try await probe.call(.POST, "/v1/accounts", key: reader, body: accountsJSON(1...1), expect: 403, code: "permission_denied")
            try await probe.call(.GET, "/v1/accounts/1", key: LiveServer.operatorKey, expect: 403, code: "permission_denied")
            try await probe.call(.POST, "/v1/tenants", key: tenant.key, body: #"{"name": "x"}"#, expect: 403, code: "permission_denied")
            try await probe.call(.PATCH, "/v1/tenants/\(tenant.id)", key: tenant.key, body: "{}", expect: 403, code: "permission_denied")

            try await probe.call(.GET, "/v1/accounts/1", key: reader, expect: 404, code: "not_found")
            try await probe.call(.GET, "/v1/transfers/1", key: reader, expect: 404, code: "not_found")
            try await probe.call(.GET, "/v1/tenants/\(tenant.id + 1)", key: tenant.key, expect: 404, code: "not_found")
            try await probe.call(.DELETE, "/v1/tenants/\(tenant.id)/keys/nope", key: tenant.key, expect: 404, code: "not_found")

            let invalid = [
                #"{"transfers": [{"id": "1", "amount": "-1"}]}"#, #"{"transfers": [{"id": 1}]}"#, #"{"transfers": [{"code": 65536}]}"#,
                #"{"transfers": [{"code": 1.5}]}"#, #"{"transfers": [{"ledger": "1"}]}"#, #"{"transfers": [{"flags": "pending"}]}"#,
            ]
            for body in invalid {
                try await probe.call(.POST, "/v1/transfers", key: tenant.key, body: body, expect: 400, code: "invalid_field", requestConforms: false)
            }
            // 2^128: the pattern admits 39 digits, so only the server can refuse this one.
            try await probe.call(.POST, "/v1/transfers", key: tenant.key, body: #"{"transfers": [{"id": "340282366920938463463374607431768211456"}]}"#,
                                 expect: 400, code: "invalid_field")
            try await probe.call(.POST, "/v1/accounts", key: tenant.key, body: #"{"accounts": [{"id": "1", "ledgr": 1}]}"#,
                                 expect: 400, code: "unknown_field", requestConforms: false)
            try await probe.call(.POST, "/v1/accounts", key: tenant.key, body: #"{"accounts": [{"id": "1", "flags": ["pending"]}]}"#,
                                 expect: 400, code: "unknown_flag", requestConforms: false)
            try await probe.call(.POST, "/v1/accounts", key: tenant.key, body: #"{"accounts": []}"#,
                                 expect: 400, code: "batch_size_out_of_range", requestConforms: false)
            try await probe.call(.POST, "/v1/accounts/lookup", key: tenant.key, body: #"{"ids": []}"#,
                                 expect: 400, code: "batch_size_out_of_range", requestConforms: false)
            try await probe.call(.POST, "/v1/transfers/query", key: tenant.key, body: #"{"limit": -1}"#,
                                 expect: 400, code: "invalid_field", requestConforms: false)
            try await probe.call(.POST, "/v1/tenants", key: LiveServer.operatorKey, body: #"{"name": ""}"#,
                                 expect: 400, code: "invalid_field", requestConforms: false)
            try await probe.call(.POST, "/v1/tenants/\(tenant.id)/keys", key: tenant.key, body: #"{"role": "operator"}"#, expect: 400, code: "invalid_field")
            try await probe.call(.POST, "/v1/transfers", key: tenant.key, body: "{", expect: 400, code: "malformed_request")
            try await probe.call(.GET, "/v1/accounts/x1", key: tenant.key, expect: 400, code: "invalid_field")
            for query in ["limit=4294967296", "debits=false&credits=false", "user_data_32=4294967296", "code=65536", "reversed=yes", "timestamp_min=-1"] {
                try await probe.call(.GET, "/v1/accounts/1/transfers?\(query)", key: tenant.key, expect: 400, code: "invalid_field")
            }
            try await probe.call(.GET, "/v1/accounts/1/balances?ledger=1", key: tenant.key, expect: 400, code: "unknown_field")
            try await probe.call(.POST, "/v1/accounts", key: tenant.key, body: accountsJSON(1...1), headers: [("Idempotency-Key", "has space")],
                                 expect: 400, code: "invalid_field")

            let huge = #"{"accounts": [], "padding": ""# + String(repeating: "x", count: 9 << 20) + #""}"#
            try await probe.call(.POST, "/v1/accounts", key: tenant.key, body: huge, expect: 413, code: "body_too_large")

            try await probe.call(.POST, "/v1/accounts", key: tenant.key, body: accountsJSON(1...1), headers: [("Idempotency-Key", "k")], expect: 200)
            try await probe.call(.POST, "/v1/accounts", key: tenant.key, body: accountsJSON(1...2), headers: [("Idempotency-Key", "k")],
                                 expect: 422, code: "idempotency_key_reused")

            try await paymentErrors(probe, tenant: tenant.key, reader: reader)
            try await reconciliationErrors(probe, tenant: tenant.key, reader: reader)

            try await probe.call(.PATCH, "/v1/tenants/\(tenant.id)", key: LiveServer.operatorKey,
                                 body: #"{"rate_limit_per_second": 1, "rate_limit_burst": 1}"#, expect: 200)
            // One token a second, burst 1: the first request takes the only token and the next is
            // refused — unless the machine stalls for a second, so allow a few tries.
            var statuses: [Int] = []
            var limited: LiveServer.HTTPReply?
            while limited == nil, statuses.count < 5 {
                let reply = try await probe.call(.GET, "/v1/accounts/1", key: tenant.key, expect: 200, 429)
                statuses.append(reply.status)
                if reply.status == 429 { limited = reply }
            }
            #expect(statuses.first == 200 && limited?.errorCode == "rate_limited", "\(statuses)")
            #expect(Int(limited?.header("Retry-After") ?? "") == 1)
        }
    }
}

extension OpenAPIConformanceTests {
    /// Each payment route's refusals, on a tenant that has no chart of accounts yet.
    func paymentErrors(_ probe: ConformanceProbe, tenant key: String, reader: String) async throws {
        func path(_ id: Int, _ suffix: String = "") -> String { "/v1/payment_intents/\(id)\(suffix)" }
        let authorize = #"{"id": "1", "currency": "EUR", "amount": "1000"}"#
        try await probe.call(.POST, "/v1/payment_intents", key: key, body: authorize, expect: 409, code: "chart_of_accounts_missing")

        for (method, route, body) in [(HTTPMethod.POST, "/v1/payments/chart", #"{"currencies": ["EUR"]}"#), (.POST, "/v1/payment_intents", authorize),
                                      (.POST, path(1, "/capture"), #"{"sequence": 1}"#), (.POST, path(1, "/cancel"), "{}"),
                                      (.POST, path(1, "/refunds"), #"{"sequence": 1}"#), (.POST, path(1, "/disputes"), "{}"),
                                      (.POST, path(1, "/disputes/1/resolve"), #"{"outcome": "won"}"#),
                                      (.POST, "/v1/payments/steps", #"{"steps": [{"type": "cancel", "intent": "1"}]}"#)] {
            try await probe.call(method, route, key: reader, body: body, expect: 403, code: "permission_denied")
        }
        try await probe.call(.GET, "/v1/payment_intents", key: LiveServer.operatorKey, expect: 403, code: "permission_denied")
        try await probe.call(.GET, path(1), key: LiveServer.operatorKey, expect: 403, code: "permission_denied")

        for body in [#"{"currencies": []}"#, #"{"currencies": "EUR"}"#, #"{"currencies": ["EUR"], "ledger": 978}"#] {
            try await probe.call(.POST, "/v1/payments/chart", key: key, body: body, expect: 400, requestConforms: false)
        }
        try await probe.call(.POST, "/v1/payments/chart", key: key, body: #"{"currencies": ["XYZ"]}"#, expect: 400, code: "invalid_field")
        try await probe.call(.POST, "/v1/payments/chart", key: key, body: #"{"currencies": ["EUR"]}"#, expect: 200)

        for body in [#"{"id": "1", "currency": "EUR", "amount": 5}"#, #"{"id": "1", "currency": "EUR"}"#, #"{"id": "1", "currency": "EUR", "amount": "5", "reference": ""}"#,
                     #"{"id": "1", "currency": "EUR", "amount": "5", "expires_in_seconds": -1}"#] {
            try await probe.call(.POST, "/v1/payment_intents", key: key, body: body, expect: 400, code: "invalid_field", requestConforms: false)
        }
        try await probe.call(.POST, "/v1/payment_intents", key: key, body: #"{"id": "1", "currency": "EUR", "amount": "5", "colour": "red"}"#,
                             expect: 400, code: "unknown_field", requestConforms: false)
        try await probe.call(.POST, "/v1/payment_intents", key: key, body: "{", expect: 400, code: "malformed_request")
        try await probe.call(.POST, "/v1/payment_intents", key: key, body: authorize, expect: 201)
        try await probe.call(.POST, "/v1/payment_intents", key: key, body: #"{"id": "1", "currency": "EUR", "amount": "999"}"#, expect: 409, code: "intent_exists")

        for query in ["status=paid", "limit=0", "limit=1001", "after=-1"] {
            try await probe.call(.GET, "/v1/payment_intents?\(query)", key: key, expect: 400, code: "invalid_field")
        }
        try await probe.call(.GET, "/v1/payment_intents/x", key: key, expect: 400, code: "invalid_field")
        try await probe.call(.GET, path(2), key: reader, expect: 404, code: "intent_not_found")
        try await probe.call(.POST, path(2, "/capture"), key: key, body: #"{"sequence": 1}"#, expect: 404, code: "intent_not_found")
        try await probe.call(.POST, path(2, "/cancel"), key: key, expect: 404, code: "intent_not_found")

        // A capture must say which capture it is; a key names one step for good.
        try await probe.call(.POST, path(1, "/capture"), key: key, body: #"{"amount": "100"}"#, expect: 400, code: "invalid_field")
        try await probe.call(.POST, path(1, "/capture"), key: key, body: #"{"sequence": 0}"#, expect: 400, code: "invalid_field", requestConforms: false)
        // Another step's field is refused, not ignored (both requests would change nothing if taken).
        try await probe.call(.POST, path(2, "/capture"), key: key, body: #"{"sequence": 1, "outcome": "won"}"#, expect: 400, code: "unknown_field",
                             requestConforms: false)
        try await probe.call(.POST, "/v1/payment_intents", key: key, body: #"{"id": "1", "currency": "EUR", "amount": "1000", "fee": "5"}"#,
                             expect: 400, code: "unknown_field", requestConforms: false)
        try await probe.call(.POST, path(1, "/capture"), key: key, body: #"{"amount": "100"}"#, headers: [("Idempotency-Key", "has space")],
                             expect: 400, code: "invalid_field")
        try await probe.call(.POST, path(1, "/capture"), key: key, body: #"{"amount": "400", "fee": "10"}"#, headers: [("Idempotency-Key", "c1")], expect: 200)
        try await probe.call(.POST, path(1, "/capture"), key: key, body: #"{"amount": "300"}"#, headers: [("Idempotency-Key", "c1")],
                             expect: 422, code: "step_key_reused")
        try await probe.call(.POST, path(1, "/capture"), key: key, body: #"{"amount": "601", "sequence": 2}"#, expect: 409, code: "capture_exceeds_authorization")

        // Refunds and disputes beyond the capture are refused by the ledger; the refused key stays refused.
        try await probe.call(.POST, path(1, "/refunds"), key: key, body: #"{"amount": "401", "sequence": 1}"#, expect: 409, code: "refund_exceeds_captured")
        try await probe.call(.POST, path(1, "/refunds"), key: key, body: #"{"amount": "401", "sequence": 1}"#, expect: 409, code: "step_refused_before")
        try await probe.call(.POST, path(1, "/refunds"), key: key, body: #"{"amount": "100"}"#, expect: 400, code: "invalid_field")
        try await probe.call(.POST, path(1, "/disputes"), key: key, body: #"{"amount": "401"}"#, expect: 409, code: "dispute_exceeds_captured")
        try await probe.call(.POST, path(1, "/disputes"), key: key, body: #"{"amount": "50", "sequence": 2}"#, expect: 200)
        try await probe.call(.POST, path(1, "/disputes"), key: key, body: #"{"amount": "60", "sequence": 2}"#, expect: 422, code: "step_key_reused")
        try await probe.call(.POST, path(1, "/disputes/1/resolve"), key: key, body: #"{"outcome": "won"}"#, expect: 404, code: "dispute_not_found")
        try await probe.call(.POST, path(1, "/disputes/0/resolve"), key: key, body: #"{"outcome": "won"}"#, expect: 400, code: "invalid_field")
        try await probe.call(.POST, path(1, "/disputes/2/resolve"), key: key, body: #"{"outcome": "draw"}"#, expect: 400, code: "invalid_field",
                             requestConforms: false)
        try await probe.call(.POST, path(1, "/disputes/2/resolve"), key: key, body: #"{"outcome": "lost"}"#, expect: 200)
        try await probe.call(.POST, path(1, "/disputes/2/resolve"), key: key, body: #"{"outcome": "won"}"#, expect: 409, code: "dispute_already_resolved")

        try await probe.call(.POST, path(1, "/cancel"), key: key, expect: 200)
        try await probe.call(.POST, path(1, "/capture"), key: key, body: #"{"sequence": 3}"#, expect: 409, code: "intent_canceled")
        try await probe.call(.POST, "/v1/payment_intents", key: key, body: #"{"id": "3", "currency": "EUR", "amount": "10"}"#, expect: 201)
        try await probe.call(.POST, path(3, "/capture"), key: key, body: #"{"sequence": 1}"#, expect: 200)
        try await probe.call(.POST, path(3, "/capture"), key: key, body: #"{"sequence": 2}"#, expect: 409, code: "nothing_to_capture")

        try await probe.call(.POST, "/v1/payments/steps", key: key, body: #"{"steps": []}"#, expect: 400, code: "batch_size_out_of_range",
                             requestConforms: false)
        try await probe.call(.POST, "/v1/payments/steps", key: key, body: #"{"steps": [{"type": "pay", "intent": "1"}]}"#, expect: 400,
                             code: "invalid_field", requestConforms: false)
        try await probe.call(.POST, "/v1/payments/steps", key: key, body: #"{"steps": [{"type": "capture", "intent": "1", "id": "1"}]}"#, expect: 400,
                             code: "unknown_field", requestConforms: false)
    }

    /// Statement import and reconciliation refusals.
    func reconciliationErrors(_ probe: ConformanceProbe, tenant key: String, reader: String) async throws {
        let camt = try Samples.text("camt053_v02_fi-fffs_sample.xml")
        try await probe.call(.POST, "/v1/recon/statements", key: reader, body: camt, contentType: "application/xml", expect: 403, code: "permission_denied")
        try await probe.call(.GET, "/v1/recon/statements", key: LiveServer.operatorKey, expect: 403, code: "permission_denied")
        try await probe.call(.POST, "/v1/recon/runs", key: LiveServer.operatorKey, body: #"{"currency": "EUR"}"#, expect: 403, code: "permission_denied")

        for query in ["format=pdf", "mapping=paypal"] {
            try await probe.call(.POST, "/v1/recon/statements?\(query)", key: key, body: camt, contentType: "application/xml", expect: 400, code: "invalid_field")
        }
        try await probe.call(.POST, "/v1/recon/statements?format=csv", key: key, body: "a,b\r\n1,2\r\n", headers: [("Settle-CSV-Mapping", #"{"date": "a"}"#)],
                             contentType: "text/csv", expect: 400, code: "invalid_field")
        // A file that breaks its format, or a CSV file with no mapping, stores nothing.
        try await probe.call(.POST, "/v1/recon/statements", key: key, body: String(camt.prefix(camt.count / 2)), contentType: "application/xml",
                             expect: 422, code: "statement_invalid")
        try await probe.call(.POST, "/v1/recon/statements?format=bai2", key: key, body: camt, contentType: "application/xml",
                             expect: 422, code: "statement_invalid")
        try await probe.call(.POST, "/v1/recon/statements", key: key, body: "a,b\r\n1,2\r\n", contentType: "text/csv", expect: 422, code: "statement_invalid")
        let huge = String(repeating: "x", count: 9 << 20)
        try await probe.call(.POST, "/v1/recon/statements", key: key, body: huge, contentType: "text/csv", expect: 413, code: "body_too_large")
        let none = try await probe.call(.GET, "/v1/recon/statements", key: reader, expect: 200)
        #expect((none.json["statements"] as? [Any])?.isEmpty == true)

        try await probe.call(.POST, "/v1/recon/runs?format=xml", key: reader, body: #"{"currency": "EUR"}"#, expect: 400, code: "invalid_field")
        for body in [#"{}"#, #"{"currency": "EUR", "date_window_days": 70000}"#, #"{"currency": "EUR", "from": "1 July 2026"}"#,
                     #"{"currency": "EUR", "amount_tolerance": "5"}"#] {
            try await probe.call(.POST, "/v1/recon/runs", key: reader, body: body, expect: 400, code: "invalid_field", requestConforms: false)
        }
        try await probe.call(.POST, "/v1/recon/runs", key: reader, body: #"{"currency": "EUR", "max_group_size": 5}"#, expect: 400, code: "unknown_field",
                             requestConforms: false)
        try await probe.call(.POST, "/v1/recon/runs", key: reader, body: #"{"currency": "XYZ"}"#, expect: 400, code: "invalid_field")
        try await probe.call(.POST, "/v1/recon/runs", key: reader, body: #"{"currency": "EUR", "statements": ["0123456789abcdef0123456789abcdef"]}"#,
                             expect: 404, code: "statement_not_found")
    }
}

/// docs/openapi.json, parsed, with the look-ups the tests need.
struct OpenAPIDocument {
    struct Operation {
        var method: HTTPMethod
        var path: String
        var object: [String: Any]
        var name: String { "\(method.rawValue) \(path)" }
        /// Overrides the global bearer requirement with none.
        var isOpen: Bool { (object["security"] as? [Any])?.isEmpty == true }
    }

    let root: [String: Any]
    var validator: JSONSchemaValidator { JSONSchemaValidator(document: root) }

    /// Reads the document from the repository this file is in.
    static func load(from file: String = #filePath) throws -> OpenAPIDocument {
        var url = URL(fileURLWithPath: file)
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            guard url.pathComponents.count > 1 else { throw TestFailure("no Package.swift above \(file)") }
            url.deleteLastPathComponent()
        }
        let data = try Data(contentsOf: url.appendingPathComponent("docs/openapi.json"))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw TestFailure("openapi.json is not an object") }
        return OpenAPIDocument(root: root)
    }

    /// Every documented method and path, in name order.
    var operations: [Operation] {
        let paths = root["paths"] as? [String: [String: Any]] ?? [:]
        return paths.flatMap { path, item in
            item.compactMap { method, object in
                (object as? [String: Any]).map { Operation(method: HTTPMethod(rawValue: method.uppercased()), path: path, object: $0) }
            }
        }.sorted { $0.name < $1.name }
    }

    var schemas: [String: Any] { (root["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:] }

    /// The operation a request reaches; literal segments win over parameters, as in the router.
    func operation(_ method: HTTPMethod, _ path: String) -> Operation? {
        let segments = path.split(separator: "/")
        return operations.filter { operation in
            let template = operation.path.split(separator: "/")
            return operation.method == method && template.count == segments.count
                && zip(template, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }.min { $0.path.filter { $0 == "{" }.count < $1.path.filter { $0 == "{" }.count }
    }

    /// `object` itself, or what its `$ref` points to.
    func resolved(_ object: Any?) -> [String: Any]? {
        guard let object = object as? [String: Any] else { return nil }
        guard let reference = object["$ref"] as? String else { return object }
        return resolved(validator.resolve(reference))
    }

    /// The schema of a request or response body for a media type.
    func schema(_ body: [String: Any]?, _ mediaType: String) -> [String: Any]? {
        ((body?["content"] as? [String: Any])?[mediaType] as? [String: Any])?["schema"] as? [String: Any]
    }

    /// A nested property's schema: `property(schema, "error", "code")`.
    func property(_ schema: Any?, _ names: String...) -> [String: Any]? {
        names.reduce(resolved(schema)) { node, name in resolved((node?["properties"] as? [String: Any])?[name]) }
    }

    /// The `enum` of a schema, or of a property nested in it.
    func enumeration(_ schema: Any?, _ names: String...) -> [String] {
        let node = names.reduce(resolved(schema)) { node, name in resolved((node?["properties"] as? [String: Any])?[name]) }
        return node?["enum"] as? [String] ?? []
    }
}

/// Sends requests to a live server and holds each answer to the document: the status must be
/// documented for the operation, a JSON body must match that status's schema, and the
/// response's required headers must be present and valid. Remembers which operations
/// answered 2xx. Request bodies are checked too: those the server accepts must fit the
/// documented request schema, and those marked `requestConforms: false` must not.
final class ConformanceProbe {
    let document: OpenAPIDocument
    let server: LiveServer
    private(set) var succeeded: Set<String> = []

    init(document: OpenAPIDocument, server: LiveServer) {
        self.document = document
        self.server = server
    }

    @discardableResult
    func call(
        _ method: HTTPMethod, _ path: String, key: String? = nil, body: String? = nil, headers: [(String, String)] = [],
        contentType: String = "application/json",
        expect statuses: Int..., code: String? = nil, requestConforms: Bool? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> LiveServer.HTTPReply {
        let operation = try #require(document.operation(method, String(path.prefix { $0 != "?" })), "\(method) \(path) is not documented",
                                     sourceLocation: sourceLocation)
        let name = operation.name
        let requestBody = document.resolved(operation.object["requestBody"])
        if let body, contentType == "application/json", let conforms = requestConforms ?? (statuses.allSatisfy { $0 < 300 } ? true : nil) {
            let schema = document.schema(requestBody, "application/json") ?? [:]
            let errors = document.validator.errors(of: try JSONSerialization.jsonObject(with: Data(body.utf8)), against: schema)
            #expect(errors.isEmpty == conforms, "\(name): the request \(conforms ? "breaks" : "fits") its schema: \(errors)", sourceLocation: sourceLocation)
        }
        if body != nil, statuses.allSatisfy({ $0 < 300 }) {
            // A body the server takes is of a documented media type (a statement file is not JSON).
            #expect((requestBody?["content"] as? [String: Any])?[contentType] != nil, "\(name): \(contentType) bodies are not documented",
                    sourceLocation: sourceLocation)
        }
        let reply = try await server.request(method, path, key: key, body: body, contentType: contentType, headers: headers)
        #expect(statuses.contains(reply.status), "\(name): \(reply.status) \(reply.body.prefix(300))", sourceLocation: sourceLocation)
        if let code { #expect(reply.errorCode == code, "\(name): \(reply.body.prefix(300))", sourceLocation: sourceLocation) }
        guard let response = document.resolved((operation.object["responses"] as? [String: Any])?[String(reply.status)]) else {
            Issue.record("\(name) answered \(reply.status), which is not documented for it", sourceLocation: sourceLocation)
            return reply
        }
        // The answer's media type must be one documented for the status; a JSON body must fit its
        // schema. Text answers (/metrics, a report as CSV or HTML) have no schema beyond a string.
        let contentType = reply.header("Content-Type") ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let documentedTypes = (response["content"] as? [String: Any])?.keys.sorted() ?? []
        if let schema = document.schema(response, mediaType), mediaType == "application/json" {
            let json = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8), options: .fragmentsAllowed)
            let errors = json.map { document.validator.errors(of: $0, against: schema) } ?? ["the body is not JSON: \(reply.body.prefix(300))"]
            #expect(errors.isEmpty, "\(name) \(reply.status): \(errors)", sourceLocation: sourceLocation)
        } else {
            #expect(mediaType.hasPrefix("text/") && document.schema(response, mediaType)?["type"] as? String == "string",
                    "\(name) \(reply.status): Content-Type \(contentType), documented: \(documentedTypes)", sourceLocation: sourceLocation)
        }
        for (header, spec) in response["headers"] as? [String: Any] ?? [:] {
            guard let spec = document.resolved(spec), spec["required"] as? Bool == true else { continue }
            let errors = reply.header(header).map { document.validator.errors(of: $0, against: spec["schema"] as? [String: Any] ?? [:]) }
            #expect(errors == [], "\(name) \(reply.status): header \(header): \(reply.header(header) ?? "absent")", sourceLocation: sourceLocation)
        }
        if (200..<300).contains(reply.status) { succeeded.insert(name) }
        return reply
    }
}

extension LiveServer {
    /// `request` with the body's media type chosen by the caller: statement files are XML or CSV.
    func request(_ method: HTTPMethod, _ path: String, key: String?, body: String?, contentType: String,
                 headers: [(String, String)]) async throws -> HTTPReply {
        guard contentType != "application/json" else { return try await request(method, path, key: key, body: body, headers: headers) }
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(httpPort)\(path)")
        request.method = method
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return HTTPReply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: String(buffer: bytes))
    }
}

/// The statement files of SettleReconTests, found from this file.
enum Samples {
    static func text(_ name: String, from file: String = #filePath) throws -> String {
        let url = URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SettleReconTests/Import/Samples/\(name)")
        return try String(contentsOf: url, encoding: .utf8)
    }
}
