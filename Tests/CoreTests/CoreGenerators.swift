import MarketCore
import PropertyBased

/// Shrinking generators of core values for the property tests. Choices are made by index, so a
/// failing case shrinks toward the first (simplest) choice and toward small numbers.
enum CoreGen {
    /// What an index generator shrinks through, and a list of indices.
    typealias IndexShrink = Shrink.Integer<Int>
    typealias IndicesShrink = Generator<Int, IndexShrink>.ArrayShrink

    /// One of `choices`, shrinking toward the first.
    static func pick<T: Sendable>(_ choices: [T]) -> Generator<T, IndexShrink> {
        Gen.int(in: 0...(choices.count - 1)).map { choices[$0] }
    }

    /// A string of `characters`, shrinking toward shorter strings of the first character.
    static func text(_ characters: String, length: ClosedRange<Int>) -> Generator<String, IndicesShrink> {
        let characters = Array(characters)
        return Gen.int(in: 0...(characters.count - 1)).array(of: length).map { String($0.map { characters[$0] }) }
    }

    /// A version number: mostly small (so equal cores are common), sometimes large.
    static let versionNumber = zip(Gen.bool(0.8), Gen.int(in: 0...3), Gen.int(in: 0...999_999_999))
        .map { small, low, high in small ? low : high }

    /// A semver.org pre-release identifier: a number (up to 12 digits, so numeric ordering by
    /// length matters) or an alphanumeric identifier starting with a letter.
    static let prereleaseIdentifier = zip(Gen.bool, Gen.int(in: 0...999_999_999_999), text("abzABZrc", length: 1...1), text("abzABZ019-", length: 0...5))
        .map { numeric, number, first, rest in numeric ? String(number) : first + rest }

    /// A build metadata identifier (ignored by precedence).
    static let buildIdentifier = text("abzABZ019-", length: 1...6)

    /// Any valid semver.org 2.0 version.
    static let version = zip(versionNumber, versionNumber, versionNumber, prereleaseIdentifier.array(of: 0...3), buildIdentifier.array(of: 0...2))
        .map { major, minor, patch, prerelease, build in SemanticVersion(major, minor, patch, prerelease: prerelease, build: build) }

    /// A version close to small cores, so that ranges built on one often contain another.
    static let nearVersion = zip(Gen.int(in: 0...3), Gen.int(in: 0...3), Gen.int(in: 0...3), pick([[], [], ["alpha"], ["beta", "2"], ["0"]]))
        .map { major, minor, patch, prerelease in SemanticVersion(major, minor, patch, prerelease: prerelease) }
}
