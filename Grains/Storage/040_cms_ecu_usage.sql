-- Per-ECU storage accounting for the quota (Cms:Ingest:MaxBytesPerEcu). Logical bytes: the total sizes of a
-- program copy's retained versions (plus the upload under way), whatever deduplication saves. Each checkpoint
-- grain sets its own row; the ECU's row is the sum of its programs' rows, kept in the same transaction. Neither
-- keeps a row of zero bytes.
CREATE TABLE cms_ecu_usage (
    mac    text   PRIMARY KEY,
    bytes  bigint NOT NULL CHECK (bytes >= 0)
);

CREATE TABLE cms_checkpoint_usage (
    checkpoint  text   PRIMARY KEY,
    mac         text   NOT NULL,
    bytes       bigint NOT NULL CHECK (bytes > 0)
);

-- Sets what p_checkpoint (a program copy of ECU p_mac) holds to p_bytes. An increase that would take the ECU over
-- p_quota (when not null) changes nothing and answers granted = false. used is the ECU's use afterwards (as it stays,
-- when refused), wanted what it would have been. Locking the ECU's row serializes the charges of all its programs, on every silo.
CREATE FUNCTION cms_charge_checkpoint(p_checkpoint text, p_mac text, p_bytes bigint, p_quota bigint)
RETURNS TABLE (granted boolean, used bigint, wanted bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    ecu_bytes  bigint;
    old_bytes  bigint;
BEGIN
    INSERT INTO cms_ecu_usage AS e (mac, bytes) VALUES (p_mac, 0)
    ON CONFLICT (mac) DO UPDATE SET bytes = e.bytes
    RETURNING e.bytes INTO ecu_bytes;

    SELECT c.bytes INTO old_bytes FROM cms_checkpoint_usage c WHERE c.checkpoint = p_checkpoint;
    old_bytes := coalesce(old_bytes, 0);
    IF p_quota IS NOT NULL AND p_bytes > old_bytes AND ecu_bytes - old_bytes + p_bytes > p_quota THEN
        -- A refusal leaves no row behind (an ECU that holds nothing has none).
        DELETE FROM cms_ecu_usage e WHERE e.mac = p_mac AND e.bytes = 0;
        RETURN QUERY SELECT false, ecu_bytes, ecu_bytes - old_bytes + p_bytes;
        RETURN;
    END IF;

    IF p_bytes = 0 THEN
        DELETE FROM cms_checkpoint_usage c WHERE c.checkpoint = p_checkpoint;
    ELSE
        INSERT INTO cms_checkpoint_usage AS c (checkpoint, mac, bytes) VALUES (p_checkpoint, p_mac, p_bytes)
        ON CONFLICT (checkpoint) DO UPDATE SET bytes = excluded.bytes;
    END IF;

    IF ecu_bytes - old_bytes + p_bytes = 0 THEN
        DELETE FROM cms_ecu_usage e WHERE e.mac = p_mac;
    ELSE
        UPDATE cms_ecu_usage e SET bytes = ecu_bytes - old_bytes + p_bytes WHERE e.mac = p_mac;
    END IF;
    RETURN QUERY SELECT true, ecu_bytes - old_bytes + p_bytes, ecu_bytes - old_bytes + p_bytes;
END
$$;
