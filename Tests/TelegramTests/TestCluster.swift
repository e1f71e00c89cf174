import StoreTestSupport
import Testing

/// The suite every test that needs PostgreSQL is nested in.
@Suite(.sharedCluster("telegram-tests")) struct TelegramDatabaseTests {}
