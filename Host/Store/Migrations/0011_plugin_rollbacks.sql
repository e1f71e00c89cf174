-- Automatic rollbacks: a node found the version it had switched to unhealthy and put the
-- desired state back to the version before (docs/decisions.md, "Health-gated rollback"). One
-- row per rollback. The generation it recorded marks the switch back, which no node watches, so a
-- rollback never triggers another.
CREATE TABLE plugin_rollbacks (
    id              bigserial PRIMARY KEY,
    plugin_id       text NOT NULL,
    from_version    text NOT NULL,
    to_version      text NOT NULL,
    reason          text NOT NULL,
    node_id         text NOT NULL,
    generation      bigint NOT NULL,
    rolled_back_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX plugin_rollbacks_by_plugin ON plugin_rollbacks (plugin_id, generation DESC);
