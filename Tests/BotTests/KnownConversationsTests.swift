import MarketBot
import Testing

@Suite struct KnownConversationsTests {
    static func address(_ chat: String, user: String = "7") -> ChatAddress {
        ChatAddress(channel: "telegram", chatID: chat, userID: user)
    }

    @Test func answersTheIdsItWasGivenWhateverTheirForm() {
        let known = KnownConversations(limit: 100)
        let ids = ["cnv_0193a1b2c3d4e5f60718293a4b5c6d7e", "cnv_00000000000000000000000000000000", "cnv_ffffffffffffffffffffffffffffffff",
                   "cnv_0193A1B2C3D4E5F60718293A4B5C6D7E", "cnv_short", "a conversation id of another kind", ""]
        for (index, id) in ids.enumerated() { known.remember(id, tenant: "acme", address: Self.address("chat \(index)")) }
        for (index, id) in ids.enumerated() { #expect(known.id(tenant: "acme", address: Self.address("chat \(index)")) == id) }
        #expect(known.count == ids.count)
    }

    @Test func keepsTenantsAndAddressesApart() {
        let known = KnownConversations(limit: 100)
        known.remember("cnv_11111111111111111111111111111111", tenant: "acme", address: Self.address("1"))
        #expect(known.id(tenant: "other", address: Self.address("1")) == nil)
        #expect(known.id(tenant: "acme", address: Self.address("2")) == nil)
        #expect(known.id(tenant: "acme", address: Self.address("1", user: "8")) == nil)
        #expect(known.id(tenant: "acme", address: ChatAddress(channel: "web", chatID: "1", userID: "7")) == nil)
        // Parts that run together the same way are still different addresses.
        known.remember("cnv_22222222222222222222222222222222", tenant: "ab", address: ChatAddress(channel: "c", chatID: "d", userID: "e"))
        #expect(known.id(tenant: "a", address: ChatAddress(channel: "bc", chatID: "d", userID: "e")) == nil)
        #expect(known.id(tenant: "ab", address: ChatAddress(channel: "c", chatID: "d", userID: "e")) == "cnv_22222222222222222222222222222222")
    }

    @Test func startsAgainPastItsLimit() {
        let known = KnownConversations(limit: 3)
        for chat in 0..<3 { known.remember("cnv_3333333333333333333333333333333\(chat)", tenant: "acme", address: Self.address("\(chat)")) }
        #expect(known.count == 3)
        known.remember("cnv_44444444444444444444444444444444", tenant: "acme", address: Self.address("new"))
        #expect(known.count == 1)
        #expect(known.id(tenant: "acme", address: Self.address("0")) == nil)
        #expect(known.id(tenant: "acme", address: Self.address("new")) == "cnv_44444444444444444444444444444444")
    }
}
