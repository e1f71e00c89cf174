import Foundation

// Writes the Swift source of `BuiltInMigrations.embedded` from migration files.
// Usage: MigrationEmbedder OUTPUT.swift NNNN_name.sql...
// A file whose name is not NNNN_name.sql, or two files with one number, fail the build.

/// `text` as a one-line Swift string literal that evaluates to exactly `text`.
func literal(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\u{\(String(scalar.value, radix: 16))}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(1)
}

let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else { fail("usage: MigrationEmbedder OUTPUT.swift FILE.sql...") }
let pattern = try Regex("^([0-9]{4})_([a-z0-9_]+)\\.sql$")
var migrations: [(version: Int, name: String, sql: String)] = []
for path in arguments.dropFirst() {
    let fileName = URL(fileURLWithPath: path).lastPathComponent
    guard let match = try pattern.wholeMatch(in: fileName), let version = Int(match.output[1].substring ?? "") else {
        fail("\(path): a migration is named NNNN_name.sql (four digits, then lower-case letters, digits and _)")
    }
    guard !migrations.contains(where: { $0.version == version }) else { fail("\(path): another migration has number \(version)") }
    guard let sql = try? String(contentsOfFile: path, encoding: .utf8) else { fail("\(path): cannot read it as UTF-8") }
    migrations.append((version, String(match.output[2].substring ?? ""), sql))
}
migrations.sort { $0.version < $1.version }

var source = """
    // Generated at build time from Host/Store/Migrations/*.sql by the EmbedMigrations plugin.
    // Edit the SQL files, not this one.

    extension BuiltInMigrations {
        static let embedded: [Migration] = [

    """
for migration in migrations {
    source += "        Migration(version: \(migration.version), name: \(literal(migration.name)), sql: \(literal(migration.sql))),\n"
}
source += "    ]\n}\n"
do {
    try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
} catch {
    fail("cannot write \(output): \(error)")
}
