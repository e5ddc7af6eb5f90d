import SettleCore
import SettleMoney

/// The accounts a marketplace or PSP books payments against, one set per currency (each
/// currency is its own ledger, numbered by ISO 4217, so amounts are that currency's minor
/// units). Created per tenant on request; creating it again changes nothing.
public enum ChartOfAccounts {
    /// What an account of the template is for. The raw value is the account's `code`.
    public enum Role: UInt16, CaseIterable, Sendable, Codable {
        /// Customers' money: authorizations hold it (pending debits), captures take it, refunds
        /// and disputes give it back. Its net debit is what customers have paid.
        case customerFunds = 1001
        /// What the processor owes the platform: a capture debits it, a refund or a lost
        /// dispute credits it. The account statements are reconciled against.
        case processorClearing = 1002
        /// What the platform owes merchants: captures less fees.
        case merchantPayable = 1003
        /// The platform's fees.
        case platformRevenue = 1004
        /// Merchant funds frozen while a dispute is open.
        case disputeReserve = 1005
        /// Memo: credited with every authorization and debited with every capture, against
        /// each intent's authorization account, whose balance limit caps captures. What stays
        /// is authorization never captured (expired, canceled, or released by a final capture).
        case authorizations = 1006

        public var name: String {
            switch self {
            case .customerFunds: return "customer_funds"
            case .processorClearing: return "processor_clearing"
            case .merchantPayable: return "merchant_payable"
            case .platformRevenue: return "platform_revenue"
            case .disputeReserve: return "dispute_reserve"
            case .authorizations: return "authorizations"
            }
        }
    }

    /// The account id of `role` in `currency`'s ledger: the same in every tenant, so no lookup
    /// table is needed and no second store can disagree.
    public static func accountID(_ role: Role, _ currency: Currency) -> UInt128 {
        DerivedID.make(.chart, subject: UInt128(currency.ledger), discriminator: .sequence(UInt32(role.rawValue)), leg: 0)
    }

    /// The template's accounts for `currency`. None has a balance limit: a merchant payable may
    /// go negative (the merchant owes the platform after a refund of a fee-bearing capture),
    /// and limits that matter are on each intent's account.
    public static func accounts(for currency: Currency) -> [Account] {
        Role.allCases.map { role in
            Account(id: accountID(role, currency), ledger: currency.ledger, code: role.rawValue)
        }
    }
}
