-- Which plugin installations receive which events: one row per installation and type pattern
-- (`lead.created`, `lead.*` or `*`). Publishing joins these rows to write the delivery rows in
-- the same statement as the event, so every replica fans out alike. docs/events.md has more.
CREATE TABLE event_subscriptions (
    tenant_id   text NOT NULL,
    plugin_id   text NOT NULL,
    pattern     text NOT NULL CHECK (length(pattern) <= 130 AND pattern ~ '^(\*|[a-z0-9_-]+(\.[a-z0-9_-]+)*(\.\*)?)$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, plugin_id, pattern),
    FOREIGN KEY (tenant_id, plugin_id) REFERENCES plugin_installations (tenant_id, plugin_id) ON DELETE CASCADE
);

-- Replaying every dead delivery, and listing them, without reading the delivered ones.
CREATE INDEX deliveries_dead ON deliveries (event_seq) WHERE status = 'dead';
