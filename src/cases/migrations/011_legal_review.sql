-- Legal review (法制审核) of confirmed cases and the discretion standard (裁量基准) it applies.

-- Per violation code: circumstance → penalty range, with the legal basis. Editable; the rows
-- inserted below are a SAMPLE (sample = true) that a bureau's legal department must replace.
CREATE TABLE discretion_standards (
  id             integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  standard_code  text NOT NULL,              -- violation code (05-01, 02-01, …)
  circumstance   text NOT NULL,              -- 情节, e.g. 初次违法、及时改正
  penalty        text NOT NULL,              -- kind of penalty in words (警告 / 罚款 / 责令改正)
  fine_min       numeric(12, 2) NOT NULL DEFAULT 0 CHECK (fine_min >= 0),   -- yuan
  fine_max       numeric(12, 2) NOT NULL DEFAULT 0,
  legal_basis    text NOT NULL,              -- the article violated and the penalty article
  sample         boolean NOT NULL DEFAULT false,
  retired        boolean NOT NULL DEFAULT false,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (fine_max >= fine_min)
);
CREATE INDEX discretion_code_idx ON discretion_standards (standard_code) WHERE NOT retired;

-- One review per confirmed case: pending until a reviewer approves (with the standard row and a
-- proposed fine inside its range) or returns it to the officer with a reason.
CREATE TABLE legal_reviews (
  case_id          uuid PRIMARY KEY REFERENCES cases (id),
  state            text NOT NULL CHECK (state IN ('pending', 'approved', 'returned')),
  standard_id      integer REFERENCES discretion_standards (id),
  proposed_fine    numeric(12, 2),
  proposed_penalty text,
  reason           text,
  reviewer         text,
  opened_at        timestamptz NOT NULL DEFAULT now(),
  decided_at       timestamptz,
  version          integer NOT NULL DEFAULT 1,
  CHECK ((state = 'approved') = (standard_id IS NOT NULL AND proposed_penalty IS NOT NULL)),
  CHECK (state <> 'returned' OR reason IS NOT NULL)
);

INSERT INTO discretion_standards (standard_code, circumstance, penalty, fine_min, fine_max, legal_basis, sample) VALUES
  ('05-01', '【示例】初次违法，经教育及时改正', '责令改正，不予罚款', 0, 0, '【示例】《城市市容和环境卫生管理条例》第十四条、第三十六条', true),
  ('05-01', '【示例】一年内再次违法', '警告，并处罚款', 50, 200, '【示例】《城市市容和环境卫生管理条例》第十四条、第三十六条', true),
  ('05-01', '【示例】多次违法或严重影响通行', '罚款', 200, 500, '【示例】《城市市容和环境卫生管理条例》第十四条、第三十六条', true),
  ('05-04', '【示例】无序设摊，初次', '责令改正，不予罚款', 0, 0, '【示例】《城市市容和环境卫生管理条例》第十四条、第三十六条', true),
  ('02-01', '【示例】张贴小广告，数量较少', '责令清理，并处罚款', 50, 200, '【示例】《城市市容和环境卫生管理条例》第十七条、第三十四条', true),
  ('02-01', '【示例】大面积张贴或拒不清理', '罚款', 200, 1000, '【示例】《城市市容和环境卫生管理条例》第十七条、第三十四条', true),
  ('01-03', '【示例】责任单位未及时清运，初次', '责令改正，警告', 0, 0, '【示例】《城市生活垃圾管理办法》第十六条、第四十二条', true),
  ('01-03', '【示例】逾期未改正', '罚款', 500, 5000, '【示例】《城市生活垃圾管理办法》第十六条、第四十二条', true),
  ('04-02', '【示例】运输途中遗撒，及时清理', '责令限期改正，警告，并处罚款', 5000, 20000, '【示例】《城市建筑垃圾管理规定》第十四条、第二十三条', true),
  ('04-02', '【示例】遗撒严重或无核准运输', '责令限期改正，警告，并处罚款', 20000, 50000, '【示例】《城市建筑垃圾管理规定》第十四条、第二十三条', true);
