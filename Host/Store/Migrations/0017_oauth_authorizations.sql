-- OAuth2 sign-ins in progress (docs/connections.md): one row per authorization URL handed out,
-- consumed by the callback that carries its `state`. In the database, not in a server's memory,
-- so the callback may reach any replica. The PKCE verifier is sealed with the master key.
CREATE TABLE oauth_authorizations (
    state             text PRIMARY KEY,
    tenant_id         text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    plugin_id         text NOT NULL,
    verifier_sealed   bytea NOT NULL,
    key_id            text NOT NULL,
    redirect_uri      text NOT NULL,
    -- Who asked, for the audit entry the connection is written with.
    requested_by      text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    expires_at        timestamptz NOT NULL
);

CREATE INDEX oauth_authorizations_expiry ON oauth_authorizations (expires_at);

-- The redirect URI a connection was authorized with: sent again with every refresh, which some
-- providers require (amoCRM and Kommo) and the rest ignore (RFC 6749 §3.2).
ALTER TABLE connections ADD COLUMN redirect_uri text;
