-- Durable delivery targets (market.targets/1, docs/webhooks.md): destinations a plugin delivers
-- to that the host stores, such as a tenant's webhook endpoints. Every event matching a target
-- gets a delivery row of its own, so each target has its own retries, order, rate and pause.
CREATE TABLE event_targets (
    id                    text PRIMARY KEY CHECK (id ~ '^tgt_[0-9a-f]{24}$'),
    tenant_id             text NOT NULL,
    plugin_id             text NOT NULL,
    description           text NOT NULL DEFAULT '',
    -- Event type patterns, as event_subscriptions.pattern (`lead.created`, `lead.*`, `*`).
    patterns              text[] NOT NULL CHECK (cardinality(patterns) BETWEEN 1 AND 100),
    enabled               boolean NOT NULL DEFAULT true,
    -- Messages per second; null is no limit.
    rate_per_second       integer CHECK (rate_per_second BETWEEN 1 AND 100000),
    -- Whether events of one conversation reach it in order (one at a time per conversation).
    ordered               boolean NOT NULL DEFAULT false,
    settings              jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
    -- The plugin's secrets for the target, one JSON object sealed with SecretBox (nonce first).
    secrets_sealed        bytea NOT NULL,
    secrets_key_id        text NOT NULL,
    disabled_reason       text,
    -- The circuit breaker: failures in a row, since when the target fails without a success,
    -- until when it is paused (a breaker's backoff, a Retry-After, a probe in flight), and how
    -- many times in a row the breaker opened (its backoff grows with it).
    consecutive_failures  integer NOT NULL DEFAULT 0,
    failing_since         timestamptz,
    paused_until          timestamptz,
    breaker_trips         integer NOT NULL DEFAULT 0,
    -- The rate limit across replicas: the earliest time the next message may start. A claim
    -- hands out slots from it under the row's lock (docs/decisions.md, "Target rate limits").
    next_slot             timestamptz NOT NULL DEFAULT '-infinity',
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, plugin_id) REFERENCES plugin_installations (tenant_id, plugin_id) ON DELETE CASCADE
);
-- Publishing looks up a tenant's enabled targets for every event.
CREATE INDEX event_targets_fanout ON event_targets (tenant_id) WHERE enabled;

-- A delivery row's subscriber is tenant + plugin + target; '' is the plugin itself
-- (market.events/1). A row's conversation_id is its ordering key: a target that does not ask
-- for order gets rows without one, so they never wait for each other.
ALTER TABLE deliveries ADD COLUMN target text NOT NULL DEFAULT '';
ALTER TABLE deliveries DROP CONSTRAINT deliveries_pkey;
ALTER TABLE deliveries ADD PRIMARY KEY (event_id, tenant_id, subscriber, target);
-- A target's rows: listing, recovering, and removing them with the target.
CREATE INDEX deliveries_by_target ON deliveries (target, event_seq) WHERE target <> '';

-- Every attempt at a target row: when, the destination's answer, how long it took, the first
-- KiB of its body, and the error. A row's attempts go with the row.
CREATE TABLE delivery_attempts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    text NOT NULL,
    event_id     text NOT NULL,
    target       text NOT NULL,
    attempt      integer NOT NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    outcome      text NOT NULL,
    status       integer,
    duration_ms  integer,
    response     text CHECK (octet_length(response) <= 1024),
    error        text
);
CREATE INDEX delivery_attempts_event ON delivery_attempts (tenant_id, event_id, id);
CREATE INDEX delivery_attempts_target ON delivery_attempts (target, id);

-- Removing a target removes its rows and their attempts with it (its pending messages are
-- not sent); removing the installation or the tenant removes its targets.
CREATE FUNCTION event_targets_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM deliveries WHERE target = OLD.id;
    DELETE FROM delivery_attempts WHERE target = OLD.id;
    RETURN OLD;
END $$;
CREATE TRIGGER event_targets_removed AFTER DELETE ON event_targets FOR EACH ROW EXECUTE FUNCTION event_targets_removed();
