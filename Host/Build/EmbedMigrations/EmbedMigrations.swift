import Foundation
import PackagePlugin

/// Compiles the store's `Migrations/*.sql` into the target as Swift source, so the `market`
/// binary carries its schema wherever it is copied: a SwiftPM resource bundle would have to sit
/// beside the binary, and a copy without it falls back to the build folder's absolute path or
/// stops with `fatalError` (docs/decisions.md, "One of each").
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let folder = target.directoryURL.appending(path: "Migrations")
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [.buildCommand(
            displayName: "Embedding \(files.count) migrations of \(target.name)",
            executable: try context.tool(named: "MigrationEmbedder").url,
            arguments: [output.path] + files.map(\.path),
            inputFiles: files,
            outputFiles: [output]
        )]
    }
}
