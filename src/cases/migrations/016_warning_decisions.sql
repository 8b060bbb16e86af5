-- Who settled a warn-first case (限时整改), and why a filed one may have no "after" frame:
--   camera   — the detector's own frame decided (the place empty, or the violation still there);
--   camera_silent — the detector saw no sample of the camera after the grace end and sent the
--              last frame its ring held (a picture from before the time limit, not an after frame);
--   backstop — the grace end passed without word from the camera at all: filed with no frame;
--   both are "no after frame: camera silent", which the case, the review page and the documents say;
--   officer  — an officer looked and decided before the grace end (closed as self-corrected, or
--              filed at once), with a note; no after frame either.
ALTER TABLE case_warnings ADD COLUMN decided_by text CHECK (decided_by IN ('camera', 'camera_silent', 'backstop', 'officer'));
ALTER TABLE case_warnings ADD COLUMN decided_actor text;
ALTER TABLE case_warnings ADD COLUMN decision_note text;
UPDATE case_warnings SET decided_by = CASE WHEN after_seq IS NULL THEN 'backstop' ELSE 'camera' END WHERE outcome IS NOT NULL;
ALTER TABLE case_warnings ADD CONSTRAINT case_warnings_decided_by_check2 CHECK ((outcome IS NULL) = (decided_by IS NULL));
