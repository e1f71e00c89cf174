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
