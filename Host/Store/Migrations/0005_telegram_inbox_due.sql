-- Sweeping the inbox: pending updates oldest first, so a sweep reads as many rows as it
-- claims (plus those claimed already) however long the backlog is.
CREATE INDEX telegram_inbox_due ON telegram_inbox (received_at) WHERE status = 'pending';
