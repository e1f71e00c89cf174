-- The wanted set of installed plugins, shared by every `market serve` replica, and what each
-- replica (node) reports of its own folder. See docs/decisions.md, "Desired plugin state".

-- One row per plugin ever asked for. `version` NULL means uninstalled (the row stays, so the
-- generation keeps counting). A change must name the generation it read: the first writer
-- wins, a second one with the same generation is refused (PLUGIN_CHANGE_CONFLICT).
CREATE TABLE desired_plugins (
    plugin_id    text PRIMARY KEY,
    version      text,
    range        text,
    -- The registry to fetch from: a name nodes know from `market registry add`, or a location.
    registry     text NOT NULL DEFAULT '',
    -- SHA-256 of the artifact of each platform the version was published for, by platform key.
    artifacts    jsonb NOT NULL DEFAULT '{}',
    -- The permissions hash the operator consented to; a node installs only a version declaring it.
    permissions  text NOT NULL DEFAULT '',
    -- The value before this change (same fields), for rollback; NULL for none.
    previous     jsonb,
    generation   bigint NOT NULL CHECK (generation > 0),
    changed_by   text NOT NULL,
    changed_at   timestamptz NOT NULL DEFAULT now()
);

-- Every replica that reconciles, with when it last did: the CLI waits for the live ones.
CREATE TABLE plugin_nodes (
    node_id      text PRIMARY KEY,
    host_name    text NOT NULL DEFAULT '',
    seen_at      timestamptz NOT NULL DEFAULT now()
);

-- What each node has of each desired plugin.
CREATE TABLE plugin_node_states (
    node_id          text NOT NULL REFERENCES plugin_nodes (node_id) ON DELETE CASCADE,
    plugin_id        text NOT NULL,
    generation       bigint NOT NULL,
    wanted_version   text,
    running_version  text,
    last_error       text,
    attempts         integer NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (node_id, plugin_id)
);
