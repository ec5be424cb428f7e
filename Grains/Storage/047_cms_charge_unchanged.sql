-- cms_charge_checkpoint without the ECU row's lock when nothing changes: a program whose versions keep their size
-- (a program's memory image usually does) sets its row to what it already holds at every charge and settle, twice per
-- checkpoint, and each time locked and rewrote its ECU's row, which every other program of that ECU waited for. An
-- unchanged count is always granted (it does not grow what the program holds) and writes nothing; any change takes
-- the ECU's row first, as before. Only the program's own checkpoint grain writes its row, so reading it unlocked first
-- sees what it wrote last.
CREATE OR REPLACE FUNCTION cms_charge_checkpoint(p_checkpoint text, p_mac text, p_bytes bigint, p_quota bigint)
RETURNS TABLE (granted boolean, used bigint, wanted bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    ecu_bytes  bigint;
    old_bytes  bigint;
BEGIN
    SELECT c.bytes INTO old_bytes FROM cms_checkpoint_usage c WHERE c.checkpoint = p_checkpoint;
    IF coalesce(old_bytes, 0) = p_bytes THEN
        SELECT e.bytes INTO ecu_bytes FROM cms_ecu_usage e WHERE e.mac = p_mac;
        RETURN QUERY SELECT true, coalesce(ecu_bytes, 0), coalesce(ecu_bytes, 0);
        RETURN;
    END IF;

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
