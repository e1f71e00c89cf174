-- Event ids are unique within a tenant, not across tenants: with one key for all tenants, a
-- tenant could learn which ids another had used (409 against 201) and claim an id first so
-- that the other's event was never stored. The id comes first in each key, so looking rows up
-- by event id alone (an operator's replay) still uses the index.
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD PRIMARY KEY (id, tenant_id);

-- A delivery row names its event by tenant and id.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_pkey;
ALTER TABLE deliveries ADD PRIMARY KEY (event_id, tenant_id, subscriber);
