-- The record of every operator action: who (the token's or certificate's identity), what, on what, when, from
-- where, and how it ended. A row is written before the action runs (no action goes unrecorded) and its outcome
-- afterwards; the silos' role may add rows and set an outcome, never change or delete what was recorded.
CREATE TABLE cms_audit (
    id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor    text        NOT NULL,
    action   text        NOT NULL,
    target   text        NOT NULL,
    detail   text,
    origin   text        NOT NULL,
    outcome  text
);
