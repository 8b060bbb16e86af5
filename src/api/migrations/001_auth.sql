-- People and machine clients of the API. Scope arrays: empty means "all".
CREATE TABLE IF NOT EXISTS api_users (
  id            text PRIMARY KEY,
  username      text NOT NULL UNIQUE,
  display_name  text NOT NULL,
  password_hash text NOT NULL,
  role          text NOT NULL CHECK (role IN ('admin', 'commander', 'officer', 'auditor')),
  districts     text[] NOT NULL DEFAULT '{}',
  streets       text[] NOT NULL DEFAULT '{}',
  categories    text[] NOT NULL DEFAULT '{}',
  disabled      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS api_sessions (
  id          text PRIMARY KEY,
  user_id     text NOT NULL REFERENCES api_users(id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);

-- Only the sha256 of a key is stored; the key itself is shown once at creation.
CREATE TABLE IF NOT EXISTS api_keys (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  key_sha256  text NOT NULL UNIQUE,
  role        text NOT NULL CHECK (role IN ('admin', 'commander', 'officer', 'auditor')),
  districts   text[] NOT NULL DEFAULT '{}',
  streets     text[] NOT NULL DEFAULT '{}',
  categories  text[] NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
