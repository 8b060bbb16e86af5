-- Warn first, file later (限时整改): a hit in a warn-first zone becomes a case in state `warned`;
-- it ends as `self_corrected` (the violation stopped within the grace period) or goes on to
-- `pending_review` like any other case. Its warning, grace period and "after" evidence live here.

ALTER TABLE cases DROP CONSTRAINT cases_state_check;
ALTER TABLE cases ADD CONSTRAINT cases_state_check
  CHECK (state IN ('new', 'warned', 'self_corrected', 'pending_review', 'confirmed', 'dispatched', 'resolved', 'rejected'));

CREATE TABLE case_warnings (
  case_id               uuid PRIMARY KEY REFERENCES cases (id),
  -- The zone's warnFirst block as it was at detection: later config edits do not change a warning.
  config                jsonb NOT NULL,
  grace_seconds         integer NOT NULL CHECK (grace_seconds > 0),
  detected_at           timestamptz NOT NULL,
  grace_until           timestamptz NOT NULL,
  outcome               text CHECK (outcome IN ('self_corrected', 'filed')),
  decided_at            timestamptz,
  -- The scene that decided it: the place at clearing, or the violation still there after grace.
  after_seq             integer,
  after_at              timestamptz,
  after_bundle_id       text,
  after_storage_key     text,
  after_manifest_sha256 text,
  CHECK ((outcome IS NULL) = (decided_at IS NULL))
);
CREATE INDEX case_warnings_after_bundle_idx ON case_warnings (after_bundle_id) WHERE after_bundle_id IS NOT NULL;
