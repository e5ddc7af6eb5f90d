/// The owner of a set of accounts and transfers. Every id is scoped by tenant: two tenants may
/// use the same ids and never see or touch each other's records.
@frozen
public struct TenantID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (lhs: TenantID, rhs: TenantID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "tenant-\(rawValue)" }
}
