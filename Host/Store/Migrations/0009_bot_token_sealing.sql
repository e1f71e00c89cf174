-- Bot tokens and webhook secrets are sealed by the store's secret box, like tenants' secrets
-- ('secret/1'). Rows written before were sealed by the Telegram channel's own box
-- ('telegram/1': other authenticated data); the host re-seals each such row when it first opens
-- it, and `market secret rotate-key` re-seals them all. Both need the master key, which SQL has not.
ALTER TABLE telegram_bots ADD COLUMN sealing text NOT NULL DEFAULT 'telegram/1' CHECK (sealing IN ('telegram/1', 'secret/1'));
ALTER TABLE telegram_bots ALTER COLUMN sealing SET DEFAULT 'secret/1';
