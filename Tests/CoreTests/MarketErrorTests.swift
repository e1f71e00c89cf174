import MarketCore
import Testing

@Suite struct MarketErrorTests {
    struct Unrelated: Error, Equatable { let detail: String }

    @Test func descriptionIncludesCodeMessageAndFix() {
        let error = MarketError(.manifestInvalid, "field 'id' is empty", fix: "use an id such as \"acme-crm\"")
        #expect(error.description == "MANIFEST_INVALID: field 'id' is empty — use an id such as \"acme-crm\"")
    }

    @Test func descriptionWithoutAFixHasNoDash() {
        let error = MarketError(.versionInvalid, "the version range is empty")
        #expect(error.description == "VERSION_INVALID: the version range is empty")
        #expect(!error.description.contains("—"))
    }

    @Test func descriptionLeavesOutTheCauseButDebugDescriptionNamesIt() {
        let error = MarketError(.ioFailed, "cannot read the file", fix: "check the path", underlying: Unrelated(detail: "secret-token-123"))
        #expect(!error.description.contains("secret-token-123"))
        #expect(error.debugDescription.hasPrefix(error.description))
        #expect(error.debugDescription.contains("secret-token-123"))
        #expect(MarketError(.ioFailed, "x").debugDescription == MarketError(.ioFailed, "x").description)
    }

    @Test(arguments: [
        (MarketError.Code.manifestInvalid, "MANIFEST_INVALID"),
        (.versionInvalid, "VERSION_INVALID"),
        (.ioFailed, "IO_FAILED"),
    ])
    func codesKeepTheirStableNames(code: MarketError.Code, name: String) {
        #expect(code.rawValue == name)
        #expect(code.description == name)
        #expect(MarketError.Code(rawValue: name) == code)
    }

    @Test func catchingReturnsTheValueOnSuccess() throws {
        let result = MarketError.catching(.ioFailed, "unused") { 42 }
        #expect(try result.get() == 42)
    }

    @Test func catchingKeepsAMarketErrorAsItIs() throws {
        let original = MarketError(.versionInvalid, "'x' is not a version", fix: "write 1.0.0")
        let result: Result<Int, MarketError> = MarketError.catching(.ioFailed, "wrapped") { throw original }
        let error = try #require(result.failure)
        #expect(error.code == .versionInvalid)
        #expect(error.message == "'x' is not a version")
        #expect(error.fix == "write 1.0.0")
        #expect(error.underlying == nil)
    }

    @Test func catchingWrapsOtherErrorsWithTheGivenCodeAndMessage() throws {
        let result: Result<Int, MarketError> = MarketError.catching(.ioFailed, "cannot read the state") {
            throw Unrelated(detail: "disk full")
        }
        let error = try #require(result.failure)
        #expect(error.code == .ioFailed)
        #expect(error.message == "cannot read the state")
        #expect(error.fix.isEmpty)
        let cause = try #require(error.underlying as? Unrelated)
        #expect(cause == Unrelated(detail: "disk full"))
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
