/// A protobuf message that cannot become a SettleCore value: malformed input, refused whole.
///
/// The server answers it with INVALID_ARGUMENT (HTTP 400) and applies nothing; a client that
/// gets one from a server's reply has met a server it does not understand. `description`
/// holds only field names and numbers, never record contents beyond the offending value.
public struct ProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of malformation, stable for machines to match on.
    public enum Code: String, Sendable {
        /// A number does not fit the SettleCore field (`code` above 65,535, flags above 16 bits,
        /// unknown filter flag bits).
        case valueOutOfRange = "value_out_of_range"
        /// An enum number this version does not know.
        case unknownEnumValue = "unknown_enum_value"
        /// A required field is absent or zero (a filter, a session id, a request number).
        case missingField = "missing_field"
        /// A batch or id list is empty or longer than `StateMachine.batchEventsMax`.
        case batchSizeOutOfRange = "batch_size_out_of_range"
        /// A response carries a different number of results than its request had events.
        case resultCountMismatch = "result_count_mismatch"
    }

    public var code: Code
    /// The offending field as a path into the message, e.g. `transfers[3].code`.
    public var field: String
    /// A sentence for humans.
    public var message: String

    public init(code: Code, field: String, message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { "\(code.rawValue) at \(field): \(message)" }

    /// The same error, seen from the enclosing message: `prefix` goes in front of the path (an
    /// empty `field` means the element itself, such as one enum value of a list).
    func nested(in prefix: String) -> ProtocolError {
        ProtocolError(code: code, field: field.isEmpty ? prefix : "\(prefix).\(field)", message: message)
    }
}

/// Narrows a wire integer to the SettleCore field's width, or names the field that overflows.
@inline(__always)
func narrow<Wide: FixedWidthInteger, Narrow: FixedWidthInteger>(
    _ value: Wide, to: Narrow.Type = Narrow.self, field: String
) throws(ProtocolError) -> Narrow {
    guard let narrowed = Narrow(exactly: value) else {
        throw ProtocolError(
            code: .valueOutOfRange, field: field,
            message: "\(value) does not fit in \(Narrow.bitWidth) bits (at most \(Narrow.max))"
        )
    }
    return narrowed
}

/// Converts every element, prefixing an element's error with `field[index]`.
func convertEach<Message, Value>(
    _ messages: [Message], field: String, _ convert: (Message) throws(ProtocolError) -> Value
) throws(ProtocolError) -> [Value] {
    var values: [Value] = []
    values.reserveCapacity(messages.count)
    for (index, message) in messages.enumerated() {
        do {
            values.append(try convert(message))
        } catch {
            throw error.nested(in: "\(field)[\(index)]")
        }
    }
    return values
}
