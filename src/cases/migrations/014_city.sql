-- The city back half: each legally approved case is exported once to the city platform, which
-- reports delivery (送达), acknowledgement (签收), statement/defence (陈述申辩), decision (处罚决定),
-- payment (缴纳) and closing (结案) back; each is a case state.

ALTER TABLE cases DROP CONSTRAINT cases_state_check;
ALTER TABLE cases ADD CONSTRAINT cases_state_check
  CHECK (state IN ('new', 'warned', 'self_corrected', 'pending_review', 'confirmed', 'dispatched', 'resolved', 'rejected',
                   'delivered', 'acknowledged', 'statement_received', 'decided', 'paid', 'closed'));

-- One export per case (the primary key): the approval writes it with its notification.
CREATE TABLE city_exports (
  case_id               uuid PRIMARY KEY REFERENCES cases (id),
  document_id           uuid NOT NULL REFERENCES case_documents (id),
  notification_id       integer NOT NULL REFERENCES notifications (id),
  payload               jsonb NOT NULL,
  exported_at           timestamptz NOT NULL,
  -- SLA alerts, once each: no delivery in time after export, no payment in time after the decision.
  delivery_alerted_at   timestamptz,
  payment_alerted_at    timestamptz
);
CREATE INDEX city_exports_waiting_idx ON city_exports (exported_at) WHERE delivery_alerted_at IS NULL;

-- Every status event applied, with the platform's reference (unique per platform: a resent
-- event is recognised) and the sha256 of its body (the same ref with another body is refused).
CREATE TABLE city_events (
  id           bigserial PRIMARY KEY,
  case_id      uuid NOT NULL REFERENCES cases (id),
  endpoint_id  text NOT NULL,
  ref          text NOT NULL,
  event        text NOT NULL,
  at           timestamptz NOT NULL,
  received_at  timestamptz NOT NULL,
  body         jsonb NOT NULL,
  body_sha256  text NOT NULL,
  UNIQUE (endpoint_id, ref),
  UNIQUE (case_id, event)
);

-- Signatures of accepted inbound requests within the replay window: the same signed request twice is a replay.
CREATE TABLE city_request_nonces (
  signature    text PRIMARY KEY,
  endpoint_id  text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX city_request_nonces_at_idx ON city_request_nonces (received_at);
