-- Inbound hook URLs (docs/webhooks.md, "The hook URL"): every installation of a plugin with
-- permissions.ingress has one opaque, random id, served as POST|GET|PUT /hooks/<id>/…. The id
-- says nothing about the tenant or the plugin; a rotation replaces it, and the old URL stops
-- answering at once. Removing the installation or the tenant removes its hook.
CREATE TABLE plugin_hooks (
    tenant_id   text NOT NULL,
    plugin_id   text NOT NULL,
    -- hk_ and 32 base64url characters: 192 random bits.
    hook_id     text NOT NULL UNIQUE CHECK (hook_id ~ '^hk_[A-Za-z0-9_-]{32}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    rotated_at  timestamptz,
    PRIMARY KEY (tenant_id, plugin_id),
    FOREIGN KEY (tenant_id, plugin_id) REFERENCES plugin_installations (tenant_id, plugin_id) ON DELETE CASCADE
);
