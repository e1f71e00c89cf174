-- Built-in analytics: daily rollups of the bot's events (docs/analytics.md; the decision and its
-- measurements are in docs/decisions.md, "Analytics").
--
-- A statement-level trigger on `events` only appends the new bot events' keys to
-- `analytics_pending` (a plain insert: the publish path updates no shared row, so publishers of
-- one tenant never wait for each other's commit). `analytics_roll` later folds pending events into
-- rows per (tenant, UTC day, channel): `market serve` runs it every second, and every analytics
-- query runs it first, so `market analytics` reads a few hundred rows instead of every event and
-- its answer is exact.

-- The day's counters per tenant and channel.
CREATE TABLE analytics_daily (
    tenant_id          text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    day                date NOT NULL,
    channel            text NOT NULL,
    conversations      bigint NOT NULL DEFAULT 0,
    active_users       bigint NOT NULL DEFAULT 0,
    new_users          bigint NOT NULL DEFAULT 0,
    messages_in        bigint NOT NULL DEFAULT 0,
    messages_out       bigint NOT NULL DEFAULT 0,
    fallback_replies   bigint NOT NULL DEFAULT 0,
    tool_calls         bigint NOT NULL DEFAULT 0,
    tool_errors        bigint NOT NULL DEFAULT 0,
    model_calls        bigint NOT NULL DEFAULT 0,
    model_errors       bigint NOT NULL DEFAULT 0,
    prompt_tokens      bigint NOT NULL DEFAULT 0,
    completion_tokens  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, day, channel)
);

-- Reply latency as a histogram of fixed logarithmic buckets (ratio 1.1): bucket 0 holds 0 ms,
-- bucket b >= 1 holds [1.1^(b-1), 1.1^b) ms. Percentiles read from it are within 4.9 % of the
-- exact ones (docs/analytics.md).
CREATE TABLE analytics_latency (
    tenant_id  text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    day        date NOT NULL,
    channel    text NOT NULL,
    bucket     smallint NOT NULL CHECK (bucket >= 0),
    replies    integer NOT NULL,
    PRIMARY KEY (tenant_id, day, channel, bucket)
);

-- Who was active on which day (to count each user once a day), and when each was first seen
-- (to tell new users from returning ones). A user is (channel, user id): ids of different
-- channels are different people as far as the host can tell.
CREATE TABLE analytics_user_days (
    tenant_id  text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    day        date NOT NULL,
    channel    text NOT NULL,
    user_id    text NOT NULL,
    PRIMARY KEY (tenant_id, day, channel, user_id)
);

CREATE TABLE analytics_users (
    tenant_id  text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    channel    text NOT NULL,
    user_id    text NOT NULL,
    first_day  date NOT NULL,
    PRIMARY KEY (tenant_id, channel, user_id)
);

CREATE FUNCTION analytics_latency_bucket(ms double precision) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN ms < 1 THEN 0 ELSE (1 + floor(ln(ms) / ln(1.1)))::smallint END
$$;

-- A JSON number member as a bigint, or NULL for anything else: a malformed event must never
-- make its publish fail.
CREATE FUNCTION analytics_count(value jsonb) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(value) = 'number' AND (value::text)::numeric BETWEEN 0 AND 1e15
                THEN round((value::text)::numeric)::bigint END
$$;

-- Folds events into the rollups. Rows are written in key order, so two folds lock rollup rows in
-- one order and cannot deadlock on them (analytics_roll runs one fold at a time anyway).
CREATE FUNCTION analytics_fold(batch events[]) RETURNS void
LANGUAGE sql AS $$
    WITH e AS (
        SELECT b.tenant_id, (b.occurred_at AT TIME ZONE 'UTC')::date AS day, b.type, b.data,
               coalesce(b.data->>'channel', (SELECT c.channel FROM conversations c WHERE c.id = b.conversation_id), '') AS channel
        FROM unnest(batch) AS b
        WHERE b.type IN ('conversation.started', 'message.received', 'message.sent', 'llm.completed', 'llm.failed', 'tool.called')
    ), seen AS (
        INSERT INTO analytics_user_days (tenant_id, day, channel, user_id)
        SELECT DISTINCT tenant_id, day, channel, data->>'user_id' FROM e
        WHERE type = 'message.received' AND jsonb_typeof(data->'user_id') = 'string'
        ORDER BY 1, 2, 3, 4
        ON CONFLICT DO NOTHING
        RETURNING tenant_id, day, channel, user_id
    ), first_seen AS (
        -- New users, and known ones seen on an earlier day than before (events published out of
        -- order): those move from their old first day to this one.
        INSERT INTO analytics_users (tenant_id, channel, user_id, first_day)
        SELECT tenant_id, channel, user_id, min(day) FROM seen GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
        ON CONFLICT (tenant_id, channel, user_id) DO UPDATE SET first_day = EXCLUDED.first_day
            WHERE EXCLUDED.first_day < analytics_users.first_day
        RETURNING tenant_id, channel, user_id, first_day AS day
    ), moved AS (
        -- The statement's snapshot still holds the old first days.
        SELECT u.tenant_id, u.first_day AS day, u.channel FROM analytics_users u
        JOIN first_seen f ON f.tenant_id = u.tenant_id AND f.channel = u.channel AND f.user_id = u.user_id
    ), latency AS (
        INSERT INTO analytics_latency (tenant_id, day, channel, bucket, replies)
        SELECT tenant_id, day, channel, analytics_latency_bucket(analytics_count(data->'latency_ms')), count(*) FROM e
        WHERE type = 'message.sent' AND analytics_count(data->'latency_ms') IS NOT NULL
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (tenant_id, day, channel, bucket) DO UPDATE SET replies = analytics_latency.replies + EXCLUDED.replies
        RETURNING 1
    ), deltas AS (
        SELECT tenant_id, day, channel,
            count(*) FILTER (WHERE type = 'conversation.started') AS conversations,
            0::bigint AS active_users, 0::bigint AS new_users,
            count(*) FILTER (WHERE type = 'message.received') AS messages_in,
            count(*) FILTER (WHERE type = 'message.sent') AS messages_out,
            count(*) FILTER (WHERE type = 'message.sent' AND data->'fallback' = 'true'::jsonb) AS fallback_replies,
            count(*) FILTER (WHERE type = 'tool.called') AS tool_calls,
            count(*) FILTER (WHERE type = 'tool.called' AND data->'ok' = 'false'::jsonb) AS tool_errors,
            count(*) FILTER (WHERE type = 'llm.completed') AS model_calls,
            count(*) FILTER (WHERE type = 'llm.failed') AS model_errors,
            coalesce(sum(analytics_count(data->'prompt_tokens')) FILTER (WHERE type = 'llm.completed'), 0) AS prompt_tokens,
            coalesce(sum(analytics_count(data->'completion_tokens')) FILTER (WHERE type = 'llm.completed'), 0) AS completion_tokens
        FROM e GROUP BY 1, 2, 3
        UNION ALL
        SELECT tenant_id, day, channel, 0, count(*), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM seen GROUP BY 1, 2, 3
        UNION ALL
        SELECT tenant_id, day, channel, 0, 0, count(*), 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM first_seen GROUP BY 1, 2, 3
        UNION ALL
        SELECT tenant_id, day, channel, 0, 0, -count(*), 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM moved GROUP BY 1, 2, 3
    )
    INSERT INTO analytics_daily AS d (tenant_id, day, channel, conversations, active_users, new_users, messages_in, messages_out,
                                      fallback_replies, tool_calls, tool_errors, model_calls, model_errors, prompt_tokens, completion_tokens)
    SELECT tenant_id, day, channel, sum(conversations), sum(active_users), sum(new_users), sum(messages_in), sum(messages_out),
           sum(fallback_replies), sum(tool_calls), sum(tool_errors), sum(model_calls), sum(model_errors), sum(prompt_tokens),
           sum(completion_tokens)
    FROM deltas GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (tenant_id, day, channel) DO UPDATE SET
        conversations = d.conversations + EXCLUDED.conversations,
        active_users = d.active_users + EXCLUDED.active_users,
        new_users = d.new_users + EXCLUDED.new_users,
        messages_in = d.messages_in + EXCLUDED.messages_in,
        messages_out = d.messages_out + EXCLUDED.messages_out,
        fallback_replies = d.fallback_replies + EXCLUDED.fallback_replies,
        tool_calls = d.tool_calls + EXCLUDED.tool_calls,
        tool_errors = d.tool_errors + EXCLUDED.tool_errors,
        model_calls = d.model_calls + EXCLUDED.model_calls,
        model_errors = d.model_errors + EXCLUDED.model_errors,
        prompt_tokens = d.prompt_tokens + EXCLUDED.prompt_tokens,
        completion_tokens = d.completion_tokens + EXCLUDED.completion_tokens
$$;

-- The keys of bot events not folded yet, in no order. No key, index or foreign key: a publish
-- appends a heap row and takes no lock another publisher could wait for. An event deleted before
-- it is folded (its tenant deleted) is simply skipped by the roll.
CREATE TABLE analytics_pending (
    seq  bigint NOT NULL
);

CREATE FUNCTION analytics_events_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Only the host's own conversation events count; a statement of other events appends nothing.
    -- No NOTIFY here: PostgreSQL serialises the commits of notifying transactions (the rollers poll).
    INSERT INTO analytics_pending (seq)
    SELECT seq FROM new_events WHERE type IN ('conversation.started', 'message.received', 'message.sent',
                                              'llm.completed', 'llm.failed', 'tool.called');
    RETURN NULL;
END
$$;

-- Only rows really inserted are in the transition table: a redelivered id (ON CONFLICT DO
-- NOTHING) is not counted twice.
CREATE TRIGGER analytics_rollup AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION analytics_events_inserted();

-- Folds up to `max` pending events in the caller's transaction and returns how many pending rows
-- it took (fewer than `max`: none were left, bar those committed meanwhile). Safe from several
-- processes at once: each takes rows no other holds (SKIP LOCKED), and folds run one at a time
-- (a transaction-level advisory lock), because the fold reads a user's previous first day from
-- its snapshot: two folds of one user's events on different days at once could both miss the
-- other's first day and count the user new twice. A roll is off the publish path, so waiting
-- for another roll costs a reader at most one batch.
CREATE FUNCTION analytics_roll(max integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    taken integer;
    batch events[];
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('market.analytics_roll'));
    -- This statement's snapshot is taken after the lock: it sees the previous roll's deletions.
    WITH rows AS (
        DELETE FROM analytics_pending
        WHERE ctid IN (SELECT ctid FROM analytics_pending LIMIT max FOR UPDATE SKIP LOCKED)
        RETURNING seq
    )
    SELECT count(*), array_agg(e ORDER BY e.seq) FILTER (WHERE e.seq IS NOT NULL) INTO taken, batch
    FROM rows r LEFT JOIN events e ON e.seq = r.seq;
    IF batch IS NOT NULL THEN
        PERFORM analytics_fold(batch);
    END IF;
    RETURN taken;
END
$$;

-- The events stored before this migration.
SELECT analytics_fold(ARRAY(SELECT e FROM events e ORDER BY e.seq));
