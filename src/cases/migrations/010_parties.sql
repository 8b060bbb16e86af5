-- Enforcement targets (执法对象) and the party of each case. Numbered 010 to stay clear of the
-- cases stage's own sequence.

CREATE TABLE parties (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind              text NOT NULL CHECK (kind IN ('shop', 'transport_company', 'construction_site', 'other')),
  name              text NOT NULL,
  licence_no        text,          -- 统一社会信用代码 / 营业执照号
  permit_no         text,          -- 建筑垃圾(渣土)运输许可证号 for transport companies
  permit_valid_from date,
  permit_valid_to   date,
  address           text,
  contact_name      text,
  contact_phone     text,
  district          text,
  street            text,
  note              text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  version           integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX parties_licence_uq ON parties (kind, licence_no) WHERE licence_no IS NOT NULL;
CREATE INDEX parties_name_idx ON parties (name);

-- The camera zones a shop's (or site's) frontage lies in: a hit in the zone is the party's.
CREATE TABLE party_frontages (
  party_id  uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
  camera_id text NOT NULL,
  zone_id   text NOT NULL,
  PRIMARY KEY (camera_id, zone_id, party_id)
);
CREATE INDEX party_frontages_party_idx ON party_frontages (party_id);

-- A company's vehicles; a plate belongs to one party at a time.
CREATE TABLE party_vehicles (
  plate        text PRIMARY KEY,   -- normalised: no separator, upper case (沪A12345)
  party_id     uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
  vehicle_type text
);
CREATE INDEX party_vehicles_party_idx ON party_vehicles (party_id);

-- The party of a case: how it was found, the permit's state at the violation, earlier cases
-- of the same party within the window. A party with cases cannot be deleted (FK).
CREATE TABLE case_parties (
  case_id            uuid PRIMARY KEY REFERENCES cases (id),
  party_id           uuid REFERENCES parties (id),
  link               text NOT NULL CHECK (link IN ('zone', 'plate', 'manual', 'unknown')),
  plate              text,
  permit_status      text CHECK (permit_status IN ('valid', 'expired', 'not_yet_valid', 'missing')),
  candidates         uuid[] NOT NULL DEFAULT '{}',
  repeat_count       integer NOT NULL DEFAULT 0,
  repeat_window_days integer NOT NULL,
  linked_at          timestamptz NOT NULL DEFAULT now(),
  linked_by          text NOT NULL,
  CHECK ((link = 'unknown') = (party_id IS NULL))
);
CREATE INDEX case_parties_party_idx ON case_parties (party_id, linked_at);
