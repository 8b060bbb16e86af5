-- Legal documents (法律文书) issued for cases: the notice of violation (违法行为告知书) on legal
-- approval and, for warn-first cases, the order to correct (责令改正通知书). Each signed PDF is
-- kept with the hashes the public verification page and `huiyan verify` look up.

-- Document numbers run per kind and year (Asia/Shanghai) without gaps: the counter row is
-- incremented in the transaction that inserts the document, so a rollback returns the number.
CREATE TABLE document_counters (
  kind  text    NOT NULL,
  year  integer NOT NULL,
  last  integer NOT NULL,
  PRIMARY KEY (kind, year)
);

CREATE TABLE case_documents (
  id              uuid PRIMARY KEY,
  case_id         uuid NOT NULL REFERENCES cases (id),
  kind            text NOT NULL CHECK (kind IN ('notice_of_violation', 'order_to_correct')),
  doc_no          text NOT NULL UNIQUE,          -- e.g. 城管告〔2026〕00001号
  year            integer NOT NULL,
  seq             integer NOT NULL,
  issuer          text NOT NULL,                 -- the bureau's name as printed
  category        text NOT NULL,                 -- the violation's Chinese name (占道经营, …): all the public page shows besides number, date and issuer
  issued_at       timestamptz NOT NULL,
  issued_by       text NOT NULL,                 -- the actor whose approval produced it
  facts           jsonb NOT NULL,                -- what the PDF was rendered from
  content_sha256  text NOT NULL,                 -- sha256 of the canonical JSON of facts (printed, and in the QR code)
  file_sha256     text NOT NULL UNIQUE,          -- sha256 of the signed PDF as issued
  signer_sha256   text NOT NULL,                 -- sha256 of the signing certificate (DER)
  pdf             bytea NOT NULL,
  UNIQUE (case_id, kind),
  UNIQUE (kind, year, seq)
);
CREATE INDEX case_documents_case_idx ON case_documents (case_id);
