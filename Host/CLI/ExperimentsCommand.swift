import ArgumentParser

/// `market experiments create|list|report|stop`: A/B tests of models.
struct ExperimentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiments",
        abstract: "A/B tests of models: create one, list them, report each variant's figures, stop the active one.",
        discussion: """
            Each user is put in one variant by a stable hash of the experiment and user ids, so they stay in it \
            without anything being stored; the variant is stamped on every event and stored row.
            """,
        subcommands: [ExperimentCreateCommand.self, ExperimentListCommand.self, ExperimentReportCommand.self, ExperimentStopCommand.self]
    )
}
