import Foundation
import MarketTestSupport
import Testing

/// A copy of a built first-party plugin whose permissions.network names 127.0.0.1 instead of
/// the shipped hosts (`shipped`, checked): test servers are on loopback, which a wildcard grant
/// reaches only with the operator's permission and a named outside host never, and a named
/// host is what the tests mean.
func loopbackBundle(of plugin: String, shipped: [String] = ["*"]) throws -> URL {
    let built = try TestPaths.plugin(plugin)
    let folder = try temporaryDirectory(plugin)
    for name in try FileManager.default.contentsOfDirectory(atPath: built.path) where name != "plugin.json" {
        try FileManager.default.copyItem(at: built.appendingPathComponent(name), to: folder.appendingPathComponent(name))
    }
    var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: built.appendingPathComponent("plugin.json"))) as? [String: Any])
    var permissions = try #require(manifest["permissions"] as? [String: Any])
    #expect(permissions["network"] as? [String] == shipped, "the shipped manifest reaches \(shipped)")
    permissions["network"] = ["127.0.0.1"]
    manifest["permissions"] = permissions
    try JSONSerialization.data(withJSONObject: manifest).write(to: folder.appendingPathComponent("plugin.json"))
    return folder
}
