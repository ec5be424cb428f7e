-- Fleet certificates the operators revoked, by the SHA-256 of their DER bytes (what `openssl x509 -fingerprint
-- -sha256` prints). Every silo refuses sessions, calls and API tokens made with one of them. The silos' role may
-- add rows, never change or delete them: taking a revocation back is for the schema owner.
CREATE TABLE cms_revoked_certificates (
    sha256      bytea       PRIMARY KEY CHECK (length(sha256) = 32),
    subject     text        NOT NULL,
    reason      text,
    revoked_by  text        NOT NULL,
    revoked_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
