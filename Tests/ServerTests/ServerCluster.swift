import Foundation
import StoreTestSupport
import Testing

/// The suite every server test is nested in (see the extensions).
@Suite(.sharedCluster("server-tests")) struct ServerTests {}

/// The repository's root and the plugins `scripts/build-plugins.sh` built from source.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let builtPlugins = root.appendingPathComponent(".build/market-plugins")
    static let openAPI = root.appendingPathComponent("docs/openapi.yaml")
}
