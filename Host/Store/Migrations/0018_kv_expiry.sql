-- Keys a plugin stores with a time to live (market.kv/1's put_expiring, ABI 1.6): markers such
-- as "this record's event was published", which matter only while the service may still report
-- the record. Reads skip an expired key; `KeyValueSweeper` deletes them in batches.
ALTER TABLE kv ADD COLUMN expires_at timestamptz;

CREATE INDEX kv_expiry ON kv (expires_at) WHERE expires_at IS NOT NULL;
