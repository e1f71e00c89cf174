/// The schema's migrations, compiled in so the `market` binary needs no files beside it.
/// To add one, write `Migrations/NNNN_name.sql` and add its text here; a test checks that the
/// files and this list agree.
public enum BuiltInMigrations {
    /// Every migration of this build, oldest first; the text of Host/Store/Migrations/*.sql.
    public static let all: [Migration] = [
        Migration(version: 1, name: "initial", sql: initial),
        Migration(version: 2, name: "conversations", sql: conversations),
        Migration(version: 3, name: "event_subscriptions", sql: eventSubscriptions),
        Migration(version: 4, name: "telegram", sql: telegram),
        Migration(version: 5, name: "telegram_inbox_due", sql: telegramInboxDue),
        Migration(version: 6, name: "lighter_hot_writes", sql: lighterHotWrites),
        Migration(version: 7, name: "telegram_reply", sql: telegramReply),
        Migration(version: 8, name: "event_ids_per_tenant", sql: eventIDsPerTenant),
    ]

    private static let initial = #"""
-- Market's first schema: tenants and access, plugin installations, secrets, the audit log,
-- the plugins' key-value store, and the event outbox. docs/operations.md describes each table.

-- A tenant is a bot or workspace. Every other tenant-owned row names one and goes with it.
CREATE TABLE tenants (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- API tokens are stored as SHA-256 hashes; the token itself is shown once, when made.
-- Admin tokens belong to no tenant; tenant tokens to exactly one.
CREATE TABLE api_tokens (
    id            text PRIMARY KEY,
    tenant_id     text REFERENCES tenants (id) ON DELETE CASCADE,
    role          text NOT NULL CHECK (role IN ('admin', 'tenant')),
    token_hash    bytea NOT NULL UNIQUE,
    label         text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    CHECK ((role = 'admin') = (tenant_id IS NULL))
);
CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id);

-- A plugin as a tenant has it: enabled or not, and its configuration (validated against the
-- plugin's JSON Schema before it is stored; secret fields live in `secrets`, never here).
CREATE TABLE plugin_installations (
    tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    plugin_id   text NOT NULL,
    enabled     boolean NOT NULL DEFAULT false,
    config      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, plugin_id)
);

-- Secrets encrypted with AES-GCM under the master key; `key_id` names the key, so keys can rotate.
CREATE TABLE secrets (
    tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    plugin_id   text NOT NULL,
    name        text NOT NULL,
    ciphertext  bytea NOT NULL,
    nonce       bytea NOT NULL,
    key_id      text NOT NULL DEFAULT 'master',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, plugin_id, name)
);

-- Who changed what, when. Rows outlive their tenant (no foreign key) and never hold secrets.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   text,
    actor       text NOT NULL,
    action      text NOT NULL,
    target      text NOT NULL DEFAULT '',
    details     jsonb NOT NULL DEFAULT '{}',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_tenant_at ON audit_log (tenant_id, at DESC);

-- market.kv/1: each plugin of each tenant has a namespace of its own.
CREATE TABLE kv (
    tenant_id   text NOT NULL,
    plugin_id   text NOT NULL,
    key         text NOT NULL,
    value       bytea NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, plugin_id, key)
);

-- Every event once, in the envelope's fields. `id` is the idempotency key; `seq` orders events
-- as they were written, which is the delivery order within a conversation.
CREATE TABLE events (
    id               text PRIMARY KEY,
    seq              bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    type             text NOT NULL,
    tenant_id        text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    conversation_id  text,
    experiment       jsonb,
    data             jsonb NOT NULL,
    occurred_at      timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_tenant_seq ON events (tenant_id, seq);
CREATE INDEX events_tenant_type ON events (tenant_id, type, seq);

-- The outbox: one row per event and subscriber. Workers claim due rows with
-- FOR UPDATE SKIP LOCKED, set `locked_until` while delivering, and either mark them delivered,
-- schedule the next attempt, or mark them dead after the last.
CREATE TABLE deliveries (
    event_id         text NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    subscriber       text NOT NULL,
    tenant_id        text NOT NULL,
    conversation_id  text,
    event_seq        bigint NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    locked_until     timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    PRIMARY KEY (event_id, subscriber)
);
-- Claiming: the due pending rows, oldest first.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, event_seq) WHERE status = 'pending';
-- Order per conversation: a row waits while an earlier one of its subscriber and conversation is pending.
CREATE INDEX deliveries_conversation ON deliveries (subscriber, conversation_id, event_seq) WHERE status = 'pending';
-- Listing and replay per tenant.
CREATE INDEX deliveries_tenant ON deliveries (tenant_id, status, event_seq);

"""#

    private static let eventSubscriptions = #"""
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

"""#

    private static let conversations = #"""
-- The bot: per-tenant settings, conversations and their messages, feedback, and A/B
-- experiments of models. docs/bot.md describes each table. Every row names its tenant.

-- How a tenant's bot behaves. No row means the defaults.
CREATE TABLE bot_settings (
    tenant_id       text PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    system_prompt   text NOT NULL DEFAULT '',
    -- The model-provider plugin to use; NULL picks the tenant's only enabled one.
    model_plugin    text,
    -- The history sent to the model is cut to this many characters (oldest turns first).
    context_chars   integer NOT NULL DEFAULT 24000 CHECK (context_chars >= 200),
    -- Model calls per reply before the tool loop stops.
    max_steps       integer NOT NULL DEFAULT 6 CHECK (max_steps BETWEEN 1 AND 50),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- One chat on one channel (a Telegram chat, a web session, a terminal).
CREATE TABLE conversations (
    id                text PRIMARY KEY,
    tenant_id         text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    channel           text NOT NULL,
    external_chat_id  text NOT NULL,
    external_user_id  text NOT NULL,
    -- The experiment and variant the conversation started under, if any.
    experiment_id     text,
    variant           text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, channel, external_chat_id)
);
CREATE INDEX conversations_experiment ON conversations (tenant_id, experiment_id, variant);

-- The turns of a conversation, in order. Assistant rows carry the model's tool calls and usage;
-- tool rows the result (or error) for one call.
CREATE TABLE messages (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id          text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    conversation_id    text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role               text NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
    content            text NOT NULL DEFAULT '',
    tool_calls         jsonb CHECK (tool_calls IS NULL OR jsonb_typeof(tool_calls) = 'array'),
    tool_call_id       text,
    tool_error         boolean NOT NULL DEFAULT false,
    -- Set on assistant rows a model wrote.
    prompt_tokens      integer,
    completion_tokens  integer,
    latency_ms         integer,
    experiment_id      text,
    variant            text,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_conversation ON messages (tenant_id, conversation_id, id);
CREATE INDEX messages_experiment ON messages (tenant_id, experiment_id, variant);

-- A user's 👍 (+1) or 👎 (-1) on a conversation's replies.
CREATE TABLE feedback (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id         text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    conversation_id   text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    external_user_id  text NOT NULL,
    value             smallint NOT NULL CHECK (value IN (-1, 1)),
    experiment_id     text,
    variant           text,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feedback_experiment ON feedback (tenant_id, experiment_id, variant);

-- An A/B test of models: weighted variants, each a provider plugin, a model and parameters.
-- At most one experiment per tenant is active.
CREATE TABLE experiments (
    tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          text NOT NULL CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    variants    jsonb NOT NULL CHECK (jsonb_typeof(variants) = 'array'),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX experiments_one_active ON experiments (tenant_id) WHERE active;

"""#

    private static let telegram = #"""
-- Telegram bots, the inbox of updates they receive, and long-polling offsets.
-- docs/telegram.md describes each table.

-- A bot of a tenant. `id` is opaque and goes into the webhook's URL; the token never does.
-- Token and webhook secret are sealed with AES-GCM under the master key (nonce, ciphertext
-- and tag in one value), bound to the bot's id.
CREATE TABLE telegram_bots (
    id               text PRIMARY KEY CHECK (id ~ '^tgb_[0-9a-f]{32}$'),
    tenant_id        text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    telegram_id      bigint NOT NULL,
    username         text NOT NULL DEFAULT '',
    token_sealed     bytea NOT NULL,
    secret_sealed    bytea NOT NULL,
    key_id           text NOT NULL,
    mode             text NOT NULL DEFAULT 'webhook' CHECK (mode IN ('webhook', 'polling')),
    api_base         text NOT NULL DEFAULT 'https://api.telegram.org',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, telegram_id)
);

-- Every update once: stored before Telegram is answered, then processed in order per chat.
-- A row is claimed by setting `locked_until`; a claim that lapses (a crashed replica) is
-- taken again, so an acknowledged update is never lost.
CREATE TABLE telegram_inbox (
    bot_id           text NOT NULL REFERENCES telegram_bots (id) ON DELETE CASCADE,
    update_id        bigint NOT NULL,
    chat_id          bigint NOT NULL DEFAULT 0,
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    locked_until     timestamptz,
    last_error       text,
    received_at      timestamptz NOT NULL DEFAULT now(),
    processed_at     timestamptz,
    PRIMARY KEY (bot_id, update_id)
);
-- Claiming: the oldest pending update of each chat.
CREATE INDEX telegram_inbox_pending ON telegram_inbox (bot_id, chat_id, update_id) WHERE status = 'pending';

-- Long polling: the next `offset` to ask getUpdates for, written with the updates it follows.
CREATE TABLE telegram_poll_offsets (
    bot_id           text PRIMARY KEY REFERENCES telegram_bots (id) ON DELETE CASCADE,
    next_offset      bigint NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

"""#

    private static let telegramInboxDue = #"""
-- Sweeping the inbox: pending updates oldest first, so a sweep reads as many rows as it
-- claims (plus those claimed already) however long the backlog is.
CREATE INDEX telegram_inbox_due ON telegram_inbox (received_at) WHERE status = 'pending';

"""#

    private static let lighterHotWrites = #"""
-- Fewer index entries and checks for what every bot reply writes.

-- Nothing reads events by type through this index: the events listing filters types while it
-- follows `seq` (and `events_tenant_seq` for one tenant).
DROP INDEX events_tenant_type;

-- A delivery row is only ever written by the statement that writes its event, from the row
-- just inserted, so the reference is true by construction; checking it cost a lookup and a
-- row lock on the event for every delivery. Whatever removes events (pruning, removing a
-- tenant) removes their deliveries in the same transaction.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_event_id_fkey;

-- The experiment reports read only rows of an experiment; rows outside one are most rows
-- and need no entry.
DROP INDEX conversations_experiment;
CREATE INDEX conversations_experiment ON conversations (tenant_id, experiment_id, variant) WHERE experiment_id IS NOT NULL;
DROP INDEX messages_experiment;
CREATE INDEX messages_experiment ON messages (tenant_id, experiment_id, variant) WHERE experiment_id IS NOT NULL;

"""#

    private static let telegramReply = #"""
-- A reply computed for an update and not wholly sent (a failed send, a stop): its messages and
-- how many went out. The next attempt sends the rest instead of making the reply again.
ALTER TABLE telegram_inbox ADD COLUMN reply jsonb;

"""#

    private static let eventIDsPerTenant = #"""
-- Event ids are unique within a tenant, not across tenants: with one key for all tenants, a
-- tenant could learn which ids another had used (409 against 201) and claim an id first so
-- that the other's event was never stored. The id comes first in each key, so looking rows up
-- by event id alone (an operator's replay) still uses the index.
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD PRIMARY KEY (id, tenant_id);

-- A delivery row names its event by tenant and id.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_pkey;
ALTER TABLE deliveries ADD PRIMARY KEY (event_id, tenant_id, subscriber);

"""#
}
