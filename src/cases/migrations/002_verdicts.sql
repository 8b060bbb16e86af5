-- What analytics learns from: each hit's place and appearance, and each officer's verdict as
-- a verdict (not read back from a case's hit payload).

-- The hit's place (box normalised to the frame, 0..1) and appearance embedding, from its
-- opened event.
ALTER TABLE hits ADD COLUMN place jsonb;
ALTER TABLE hits ADD COLUMN embedding jsonb;

-- The latest verdict on each case. `suppresses`: a rejection whose reason means "not a
-- violation" (src/cases/lifecycle.ts); only those teach analytics to stay quiet.
CREATE TABLE verdicts (
  case_id     uuid PRIMARY KEY REFERENCES cases (id),
  hit_id      text NOT NULL,
  camera_id   text NOT NULL,
  zone_id     text NOT NULL,
  rule        text NOT NULL,
  verdict     text NOT NULL CHECK (verdict IN ('confirmed', 'rejected')),
  reason      text,
  suppresses  boolean NOT NULL,
  place       jsonb,
  embedding   jsonb,
  actor       text NOT NULL,
  at          timestamptz NOT NULL
);
CREATE INDEX verdicts_place_idx ON verdicts (camera_id, rule);
