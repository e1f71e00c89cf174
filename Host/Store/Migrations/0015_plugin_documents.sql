-- market.documents/1 (docs/abi.md, "market.documents/1", ABI 1.3): JSON documents of each plugin
-- of each tenant, in collections the plugin names, found by equality on top-level fields.
-- `id` sorts by code point, as Swift sorts, whatever the server's locale; it breaks ties of
-- the order field and is half of every page cursor.
CREATE TABLE plugin_documents (
    tenant_id   text NOT NULL,
    plugin_id   text NOT NULL,
    collection  text NOT NULL,
    id          text COLLATE "C" NOT NULL,
    document    jsonb NOT NULL CHECK (jsonb_typeof(document) = 'object'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, plugin_id, collection, id)
);

-- Every query's `where` is a containment test (document @> '{"stage":"new"}'); one GIN index
-- over the documents answers it for any field, so a plugin declares nothing up front. The
-- primary key's scope columns are checked on the rows the index finds.
CREATE INDEX plugin_documents_fields ON plugin_documents USING gin (document jsonb_path_ops);
