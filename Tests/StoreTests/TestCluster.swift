import StoreTestSupport
import Testing

/// The suite every test that needs PostgreSQL is nested in (see the extensions).
@Suite(.sharedCluster("store-tests")) struct DatabaseTests {}
