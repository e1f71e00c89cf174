/// A set of related endpoints (health, the catalog, tenants, …), in a file of its own.
///
/// Adding one to the server is its file plus one line in `ServerRoutes.groups`, and its
/// paths in `docs/openapi.yaml` (a test checks the two agree).
public protocol RouteGroup: Sendable {
    /// Adds the group's routes.
    func register(on routes: RouteRegistrar)
}
