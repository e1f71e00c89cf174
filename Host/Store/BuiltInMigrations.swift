/// The schema's migrations, compiled in so the `market` binary needs no files beside it.
/// To add one, write `Migrations/NNNN_name.sql` with the next free number: the EmbedMigrations
/// build plugin turns the folder into Swift source at every build, so there is no copy to keep.
public enum BuiltInMigrations {
    /// Every migration of this build, oldest first: the text of Host/Store/Migrations/*.sql.
    public static var all: [Migration] { embedded }
}
