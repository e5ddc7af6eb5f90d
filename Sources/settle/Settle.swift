import ArgumentParser

@main
struct Settle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settle",
        abstract: "Settle: a multi-tenant, exactly-once double-entry ledger.",
        subcommands: [ServeCommand.self, DemoCommand.self, BenchCommand.self, VerifyCommand.self, WorkloadCommand.self, CrashTestCommand.self,
                      FailoverTestCommand.self,
                      PaymentsCommand.self, ReconCommand.self]
    )
}
