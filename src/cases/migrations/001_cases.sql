-- Hits, cases, violation codes, the notification outbox and the append-only audit log.

CREATE TABLE violation_codes (
  rule          text NOT NULL,                 -- vending | overflow | ads | spillage
  local_code    text NOT NULL,                 -- the bureau's own name, e.g. 占道经营
  standard_code text NOT NULL,                 -- the standard street-order code, e.g. 05-01
  standard_name text NOT NULL,
  is_primary    boolean NOT NULL DEFAULT false,
  PRIMARY KEY (rule, standard_code)
);

-- One row per hit (violation episode from analytics), kept up to date by its events.
CREATE TABLE hits (
  hit_id      text PRIMARY KEY,
  camera_id   text NOT NULL,
  zone_id     text NOT NULL,
  rule        text NOT NULL,
  started_at  timestamptz NOT NULL,
  last_event  text NOT NULL,
  last_seq    integer NOT NULL,
  last_at     timestamptz NOT NULL,
  score       real NOT NULL,
  cleared_at  timestamptz,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hits_camera_idx ON hits (camera_id, started_at);
CREATE INDEX hits_rule_idx ON hits (rule, started_at);

-- Every opened/updated/cleared event, once (redelivered jobs hit the primary key).
CREATE TABLE hit_events (
  hit_id      text NOT NULL REFERENCES hits (hit_id),
  seq         integer NOT NULL,
  event       text NOT NULL CHECK (event IN ('opened', 'updated', 'cleared')),
  at          timestamptz NOT NULL,
  score       real NOT NULL,
  payload     jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (hit_id, seq)
);

CREATE TABLE cases (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  no                 integer GENERATED ALWAYS AS IDENTITY UNIQUE,
  hit_id             text NOT NULL UNIQUE REFERENCES hits (hit_id),
  camera_id          text NOT NULL,
  zone_id            text NOT NULL,
  rule               text NOT NULL,
  local_code         text NOT NULL,
  standard_code      text NOT NULL,
  district           text NOT NULL,
  street             text NOT NULL,
  address            text,
  state              text NOT NULL DEFAULT 'new'
                     CHECK (state IN ('new', 'pending_review', 'confirmed', 'dispatched', 'resolved', 'rejected')),
  reject_reason      text CHECK (reject_reason IN ('not_violation', 'duplicate', 'wrong_type', 'image_unusable')),
  reject_note        text,
  dispatched_to      text,
  resolution_note    text,
  score              real NOT NULL,
  started_at         timestamptz NOT NULL,   -- violation first seen
  detected_at        timestamptz NOT NULL,   -- hit opened
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  state_changed_at   timestamptz NOT NULL DEFAULT now(),
  review_due_at      timestamptz,
  overdue_alerted_at timestamptz,
  bundle_id          text,
  storage_key        text,
  manifest_sha256    text,
  version            integer NOT NULL DEFAULT 1,
  CHECK ((state = 'rejected') = (reject_reason IS NOT NULL))
);
CREATE INDEX cases_created_idx ON cases (created_at DESC);
CREATE INDEX cases_state_idx ON cases (state, created_at DESC);
CREATE INDEX cases_district_idx ON cases (district, street, created_at DESC);
CREATE INDEX cases_street_idx ON cases (street, created_at DESC);
CREATE INDEX cases_rule_idx ON cases (rule, created_at DESC);
CREATE INDEX cases_camera_idx ON cases (camera_id, created_at DESC);
CREATE INDEX cases_review_due_idx ON cases (review_due_at) WHERE state = 'pending_review';

-- Transactional outbox: written with the change, relayed to the notify queue afterwards.
CREATE TABLE notifications (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id     uuid NOT NULL REFERENCES cases (id),
  kind        text NOT NULL,
  payload     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  enqueued_at timestamptz
);
CREATE INDEX notifications_pending_idx ON notifications (id) WHERE enqueued_at IS NULL;

-- Append-only, hash-chained: hash = sha256(prev_hash + canonical entry), seq without gaps.
CREATE TABLE audit_log (
  seq         integer PRIMARY KEY,
  at          timestamptz NOT NULL,
  actor       text NOT NULL,
  action      text NOT NULL,
  target_type text NOT NULL,
  target_id   text NOT NULL,
  details     jsonb NOT NULL,
  prev_hash   text NOT NULL,
  hash        text NOT NULL UNIQUE
);
CREATE INDEX audit_target_idx ON audit_log (target_type, target_id, seq);

CREATE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();
