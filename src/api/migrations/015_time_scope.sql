-- Access by time (issue 16): a duty-roster window and a case-date range per user and API key,
-- validated by TimeScope in src/api/auth/time-scope.ts. NULL: no time restriction.
ALTER TABLE api_users ADD COLUMN IF NOT EXISTS time_scope jsonb;
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS time_scope jsonb;
-- The data-security notice (数据安全责任告知), acknowledged once per session; NULL: not yet.
ALTER TABLE api_sessions ADD COLUMN IF NOT EXISTS notice_acked_at timestamptz;
