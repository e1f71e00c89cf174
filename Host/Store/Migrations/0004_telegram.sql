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
