import Testing
@Suite struct PaymentsPlaceholderTests { @Test func builds() {} }
