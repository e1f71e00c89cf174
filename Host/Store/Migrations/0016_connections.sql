-- Connections (docs/connections.md): a tenant's credentials for a plugin's outside service, owned
-- by the host. One per (tenant, plugin). Tokens are sealed with the master key (SecretBox, place
-- "connection"): nonce, ciphertext and tag in one value, as telegram_bots stores them.
CREATE TABLE connections (
    tenant_id         text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    plugin_id         text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('api_key', 'token', 'oauth2')),
    status            text NOT NULL DEFAULT 'connected' CHECK (status IN ('connected', 'needs_reconnect')),
    access_sealed     bytea NOT NULL,
    -- Only OAuth2 connections have one; a plugin never sees it.
    refresh_sealed    bytea CHECK (refresh_sealed IS NULL OR kind = 'oauth2'),
    key_id            text NOT NULL,
    -- When the access token expires (OAuth2 with expires_in); NULL: it does not, as far as we know.
    access_expires_at timestamptz,
    -- Counts refreshes: a refresh writes its tokens only where the version it read is still
    -- current, so of two racing refreshes one wins and nobody overwrites a newer token.
    token_version     bigint NOT NULL DEFAULT 0,
    scopes            text NOT NULL DEFAULT '',
    -- Why the connection needs reconnecting, for people; never a token.
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, plugin_id)
);

-- The refresher's question: which OAuth2 connections expire soon.
CREATE INDEX connections_refresh_due ON connections (access_expires_at)
    WHERE kind = 'oauth2' AND status = 'connected' AND refresh_sealed IS NOT NULL;
