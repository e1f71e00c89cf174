-- A reply computed for an update and not wholly sent (a failed send, a stop): its messages and
-- how many went out. The next attempt sends the rest instead of making the reply again.
ALTER TABLE telegram_inbox ADD COLUMN reply jsonb;
