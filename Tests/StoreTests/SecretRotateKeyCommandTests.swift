import Foundation
import MarketCore
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// `market secret rotate-key`, run as an operator would, on a real PostgreSQL.
    @Suite struct SecretRotateKeyCommandTests {
        var market: String { buildProductsDirectory.appendingPathComponent("market").path }

        /// The secret's row opened with the key in `file`, as a server started on it would.
        func openSecret(_ url: String, key: MasterKey) async throws -> String {
            let pool = DatabasePool(connectionString: url, configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            let row = try await pool.query("SELECT ciphertext, nonce, key_id FROM secrets WHERE tenant_id = 'acme' AND name = 'webhook_secret'")[0]
            await pool.shutdown()
            let sealed = SecretBox.Sealed(ciphertext: try row.decode("ciphertext"), nonce: try row.decode("nonce"), keyID: try row.decode("key_id"))
            return try SecretBox(key: key).open(sealed, for: .secret(tenant: "acme", plugin: "crm", name: "webhook_secret"))
        }

        @Test func rotatesEverySecretAndInstallsTheNewKeyFile() async throws {
            let url = try await freshDatabase()
            let state = try temporaryDirectory("rotate-key")
            let plugins = try TenantFixture.writePlugins()
            defer {
                try? FileManager.default.removeItem(at: state)
                try? FileManager.default.removeItem(at: plugins)
            }
            let environment = ["DATABASE_URL": url, "MARKET_MASTER_KEY": ""]
            let common = ["--state-dir", state.path]
            #expect(try await runProcess(market, ["db", "migrate"] + common, environment: environment).status == 0)
            let created = try await runProcess(market, ["tenant", "create", "acme"] + common, environment: environment)
            #expect(created.status == 0, "\(created.stderr)")
            let set = try await runProcess(market, ["secret", "set", "crm", "webhook_secret", "--tenant", "acme", "--value", "hook-1",
                                                    "--plugins", plugins.path] + common, environment: environment)
            #expect(set.status == 0, "\(set.stderr)")
            let keyFile = state.appendingPathComponent(MasterKey.fileName)
            let old = try MasterKey.load(environment: [:], stateDirectory: state, logger: quietLogger)

            let rotated = try await runProcess(market, ["secret", "rotate-key", "--json"] + common, environment: environment)
            #expect(rotated.status == 0, "\(rotated.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(rotated.stdout.utf8)) as? [String: Any])
            let new = try MasterKey.load(environment: [:], stateDirectory: state, logger: quietLogger)
            #expect(new.id != old.id)
            #expect(report["old_key_id"] as? String == old.id && report["new_key_id"] as? String == new.id)
            #expect(report["secrets"] as? Int == 1 && report["telegram_bots"] as? Int == 0)
            #expect(report["installed"] as? Bool == true && report["key_file"] as? String == keyFile.path)
            #expect(!FileManager.default.fileExists(atPath: state.appendingPathComponent("master.key.new").path))
            #expect(try FileManager.default.attributesOfItem(atPath: keyFile.path)[.posixPermissions] as? Int == 0o600)
            #expect(try await openSecret(url, key: new) == "hook-1")
            let stale = await #expect(throws: MarketError.self) { try await openSecret(url, key: old) }
            #expect(stale?.code == .secretUnreadable)

            // With the key in MARKET_MASTER_KEY the new key goes to a file for the operator to install.
            let elsewhere = state.appendingPathComponent("next.key")
            let fromVariable = try await runProcess(market, ["secret", "rotate-key", "--new-key-file", elsewhere.path] + common,
                                                    environment: ["DATABASE_URL": url, "MARKET_MASTER_KEY": try String(contentsOf: keyFile, encoding: .utf8)])
            #expect(fromVariable.status == 0, "\(fromVariable.stderr)")
            #expect(fromVariable.stdout.contains("set MARKET_MASTER_KEY to its contents"))
            let next = try MasterKey(base64: try String(contentsOf: elsewhere, encoding: .utf8))
            #expect(try MasterKey.load(environment: [:], stateDirectory: state, logger: quietLogger).id == new.id, "the key file stays")
            #expect(try await openSecret(url, key: next) == "hook-1")

            // A new key file that exists already is refused before anything changes.
            let refused = try await runProcess(market, ["secret", "rotate-key", "--new-key-file", elsewhere.path] + common,
                                               environment: ["DATABASE_URL": url, "MARKET_MASTER_KEY": try String(contentsOf: elsewhere, encoding: .utf8)])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("IO_FAILED"))
            #expect(try await openSecret(url, key: next) == "hook-1")
        }
    }
}
