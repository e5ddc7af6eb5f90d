import Logging
import PostgresNIO
import SettleStorage

/// Where Settle's tables live and how long a call may take: a server, a database, and the
/// schema that holds the `settle_*` tables.
///
/// Every connection Settle opens sets `search_path` to `schema`, so the SQL names its tables
/// unqualified and one database can hold several independent Settle installations (the tests
/// use a fresh schema each). TLS is not configured yet: use it on loopback or a trusted network.
public struct PostgresSettings: Sendable {
    /// Host name or address of the PostgreSQL server.
    public var host: String
    /// TCP port of the server.
    public var port: Int
    /// Role to connect as.
    public var username: String
    /// Password, if the server asks for one. Never logged nor part of `description`.
    public var password: String?
    /// Database to connect to.
    public var database: String
    /// Schema holding the `settle_*` tables; `PostgresSchema.migrate` creates it if missing.
    /// Letters, digits and `_` only, not starting with a digit (it is spliced into SQL quoted).
    public var schema: String
    /// How long establishing a connection may take.
    public var connectTimeoutMilliseconds: Int64
    /// How long one statement may take, from sending it to its last reply. A call that runs
    /// out closes its connection and throws, so no call blocks forever on a silent network.
    public var statementTimeoutMilliseconds: Int64

    /// Settings for `schema` in `database` on `host:port`.
    public init(
        host: String, port: Int = 5432, username: String, password: String? = nil, database: String,
        schema: String = "settle", connectTimeoutMilliseconds: Int64 = 10_000, statementTimeoutMilliseconds: Int64 = 30_000
    ) {
        precondition(Self.isValidSchemaName(schema), "schema name must be letters, digits and _, not starting with a digit: \(schema)")
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.schema = schema
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
    }

    /// Parses `postgres://user[:password]@host[:port]/database` (also `postgresql://`), with
    /// percent-escapes in user and password. The query string may name the schema
    /// (`?schema=name`); otherwise `schema` is used. Returns nil if the URL is not of that form.
    public init?(url: String, schema: String = "settle") {
        var rest = Substring(url)
        guard let scheme = ["postgres://", "postgresql://"].first(where: { rest.hasPrefix($0) }) else { return nil }
        rest = rest.dropFirst(scheme.count)
        var schemaName = schema
        if let question = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: question)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == "schema" { schemaName = String(parts[1]) }
            }
            rest = rest[..<question]
        }
        guard Self.isValidSchemaName(schemaName), let slash = rest.firstIndex(of: "/") else { return nil }
        let database = String(rest[rest.index(after: slash)...])
        var authority = rest[..<slash]
        var username = "postgres"
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            authority = authority[authority.index(after: at)...]
            let parts = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let user = Self.percentDecoded(parts[0]) else { return nil }
            username = user
            if parts.count == 2 {
                guard let secret = Self.percentDecoded(parts[1]) else { return nil }
                password = secret
            }
        }
        var host = String(authority)
        var port = 5432
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65535).contains(parsed) else { return nil }
            port = parsed
            host = String(authority[..<colon])
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !database.isEmpty else { return nil }
        self.init(host: host, port: port, username: username, password: password, database: database, schema: schemaName)
    }

    /// True for names `schema` accepts: `[A-Za-z_][A-Za-z0-9_]*`, at most 63 bytes.
    public static func isValidSchemaName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 63 else { return false }
        let isLetter = { (byte: UInt8) in (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F }
        return isLetter(first) && name.utf8.allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    /// The postgres-nio configuration for these settings.
    var connectionConfiguration: PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable)
        configuration.options.connectTimeout = .milliseconds(connectTimeoutMilliseconds)
        return configuration
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let high = utf8.index(after: index)
                guard high != utf8.endIndex else { return nil }
                let low = utf8.index(after: high)
                guard low != utf8.endIndex, let value = UInt8(String(decoding: [utf8[high], utf8[low]], as: UTF8.self), radix: 16) else { return nil }
                bytes.append(value)
                index = utf8.index(after: low)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

extension PostgresSettings: CustomStringConvertible {
    /// `postgres://user@host:port/database?schema=name`, without the password.
    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)?schema=\(schema)" }
}
