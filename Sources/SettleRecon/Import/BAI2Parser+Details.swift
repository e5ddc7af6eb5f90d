import SettleMoney

extension BAI2Parser {
    /// Fields that follow a funds type: S has three availability amounts, V a value date and
    /// time, D a count n and n day/amount pairs; 0, 1, 2, Z and an empty field have none.
    static func fundsTypeFieldCount(_ record: BAI2Record, at index: Int) throws(StatementError) -> Int {
        let fundsType = record.field(index).trimmingSpaces
        switch fundsType.uppercased() {
        case "", "0", "1", "2", "Z": return 0
        case "S": return 3
        case "V": return 2
        case "D":
            let pairs = try BAI2Records.count(record.field(index + 1), at: record.location, what: "distributed availability count")
            return 1 + 2 * pairs
        default:
            throw StatementError(location: record.location, message: "unknown funds type \"\(fundsType)\"")
        }
    }

    /// The `03` record's summaries (type code, amount, item count, funds type…): the sum of their
    /// amounts for the `49` control total, and the opening (010) and closing (015) ledger
    /// balances when the bank reports them.
    static func summaries(_ record: BAI2Record) throws(StatementError) -> (total: Int64, opening: Int64?, closing: Int64?) {
        var total: Int64 = 0
        var opening: Int64?
        var closing: Int64?
        var index = 2
        while index < record.fields.count {
            let code = record.field(index).trimmingSpaces
            if code.isEmpty, record.fields[index...].allSatisfy({ $0.trimmingSpaces.isEmpty }) { break }
            guard code.count == 3, code.allSatisfy(\.isASCIIDigitCharacter) else {
                throw StatementError(location: record.location, message: "\"\(code)\" is not a BAI2 type code")
            }
            let amount = try BAI2Records.amount(record.field(index + 1), at: record.location, what: "amount of type \(code)")
            total += amount
            if code == "010" { opening = amount }
            if code == "015" { closing = amount }
            index += 4 + (try fundsTypeFieldCount(record, at: index + 3))
        }
        return (total, opening, closing)
    }

    /// A `16` record: type code, amount, funds type (and its fields), bank reference, customer
    /// reference, then free text to the end of the record and its continuations.
    /// Codes 100–399 are credits and 400–699 debits; any other code is refused rather than
    /// guessed, since its direction is not defined.
    static func detail(_ record: BAI2Record, currency: Currency, asOf: CalendarDate?) throws(StatementError) -> StatementLine {
        let code = record.field(0).trimmingSpaces
        guard code.count == 3, code.allSatisfy(\.isASCIIDigitCharacter), let number = Int(code) else {
            throw StatementError(location: record.location, message: "\"\(code)\" is not a BAI2 type code")
        }
        let direction: Direction
        switch number {
        case 100...399: direction = .credit
        case 400...699: direction = .debit
        default: throw StatementError(location: record.location, message: "type code \(code) is not a credit (100–399) or debit (400–699) detail")
        }
        let amount = try BAI2Records.amount(record.field(1), at: record.location, what: "amount", allowEmpty: false)
        guard amount >= 0, !record.field(1).trimmingSpaces.hasPrefix("-") else {
            throw StatementError(location: record.location, message: "a detail amount is unsigned; the type code gives the direction")
        }
        let fundsType = record.field(2).trimmingSpaces.uppercased()
        let references = 3 + (try fundsTypeFieldCount(record, at: 2))
        let valueDate = fundsType == "V" ? try BAI2Records.date(record.field(3), at: record.location) : nil
        let bankReference = record.field(references).trimmingSpaces
        let customerReference = record.field(references + 1).trimmingSpaces
        let text = record.text(from: references + 2)
        return StatementLine(
            sourceLine: record.line, amount: amount, currency: currency.code, direction: direction,
            bookingDate: asOf, valueDate: valueDate,
            reference: customerReference.nonEmptyOrNil ?? bankReference.nonEmptyOrNil,
            accountServicerReference: bankReference.nonEmptyOrNil, description: text.nonEmptyOrNil)
    }
}

extension String {
    /// nil for the empty string, so optional fields stay absent rather than blank.
    var nonEmptyOrNil: String? { isEmpty ? nil : self }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
