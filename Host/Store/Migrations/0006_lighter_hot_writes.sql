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
