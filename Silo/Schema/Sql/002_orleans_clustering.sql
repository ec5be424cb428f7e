-- Orleans membership (ADO.NET clustering provider). Every write to the member rows also bumps the
-- cluster's version row, and only when the caller saw the current version, so concurrent writers cannot
-- both win. Functions answer the number of rows written; 0 tells the provider that it lost the race.

CREATE TABLE orleansmembershipversiontable (
    deploymentid  varchar(150)   NOT NULL PRIMARY KEY,
    timestamp     timestamptz(3) NOT NULL DEFAULT now(),
    version       integer        NOT NULL DEFAULT 0
);

CREATE TABLE orleansmembershiptable (
    deploymentid  varchar(150)   NOT NULL REFERENCES orleansmembershipversiontable (deploymentid),
    address       varchar(45)    NOT NULL,
    port          integer        NOT NULL,
    generation    integer        NOT NULL,
    siloname      varchar(150)   NOT NULL,
    hostname      varchar(150)   NOT NULL,
    status        integer        NOT NULL,
    proxyport     integer,
    suspecttimes  varchar(8000),
    starttime     timestamptz(3) NOT NULL,
    iamalivetime  timestamptz(3) NOT NULL,
    PRIMARY KEY (deploymentid, address, port, generation)
);

CREATE FUNCTION cms_membership_bump_version(p_deployment varchar, p_seen integer) RETURNS integer
LANGUAGE sql AS $$
    WITH bumped AS (
        UPDATE orleansmembershipversiontable
           SET version = version + 1, timestamp = now()
         WHERE deploymentid = p_deployment AND version = p_seen AND version < 2147483647
        RETURNING 1)
    SELECT count(*)::integer FROM bumped;
$$;

CREATE FUNCTION cms_membership_insert(
    p_deployment varchar, p_address varchar, p_port integer, p_generation integer,
    p_silo_name varchar, p_host_name varchar, p_status integer, p_proxy_port integer,
    p_start_time timestamptz, p_i_am_alive timestamptz, p_seen_version integer)
RETURNS TABLE (row_count integer) LANGUAGE plpgsql AS $$
DECLARE
    written integer;
BEGIN
    IF cms_membership_bump_version(p_deployment, p_seen_version) = 0 THEN
        RETURN QUERY SELECT 0;
        RETURN;
    END IF;
    INSERT INTO orleansmembershiptable
        (deploymentid, address, port, generation, siloname, hostname, status, proxyport, starttime, iamalivetime)
    VALUES
        (p_deployment, p_address, p_port, p_generation, p_silo_name, p_host_name, p_status, p_proxy_port, p_start_time, p_i_am_alive)
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS written = ROW_COUNT;
    IF written = 0 THEN
        -- The row exists already: undo the version bump and report the lost race.
        RAISE EXCEPTION 'membership row exists' USING ERRCODE = 'unique_violation';
    END IF;
    RETURN QUERY SELECT written;
EXCEPTION WHEN unique_violation THEN
    RETURN QUERY SELECT 0;
END
$$;

CREATE FUNCTION cms_membership_update(
    p_deployment varchar, p_address varchar, p_port integer, p_generation integer,
    p_status integer, p_suspect_times varchar, p_i_am_alive timestamptz, p_seen_version integer)
RETURNS TABLE (row_count integer) LANGUAGE plpgsql AS $$
DECLARE
    written integer;
BEGIN
    IF cms_membership_bump_version(p_deployment, p_seen_version) = 0 THEN
        RETURN QUERY SELECT 0;
        RETURN;
    END IF;
    UPDATE orleansmembershiptable
       SET status = p_status,
           suspecttimes = p_suspect_times,
           iamalivetime = greatest(iamalivetime, p_i_am_alive)
     WHERE deploymentid = p_deployment AND address = p_address AND port = p_port AND generation = p_generation;
    GET DIAGNOSTICS written = ROW_COUNT;
    IF written = 0 THEN
        RAISE EXCEPTION 'membership row missing' USING ERRCODE = 'no_data_found';
    END IF;
    RETURN QUERY SELECT written;
EXCEPTION WHEN no_data_found THEN
    RETURN QUERY SELECT 0;
END
$$;

INSERT INTO orleansquery (querykey, querytext) VALUES
('InsertMembershipVersionKey', $q$
    WITH inserted AS (
        INSERT INTO orleansmembershipversiontable (deploymentid) VALUES (@DeploymentId)
        ON CONFLICT DO NOTHING
        RETURNING 1)
    SELECT count(*)::integer FROM inserted;
$q$),
('InsertMembershipKey', $q$
    SELECT * FROM cms_membership_insert(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
        @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version);
$q$),
('UpdateMembershipKey', $q$
    SELECT * FROM cms_membership_update(@DeploymentId, @Address, @Port, @Generation, @Status,
        @SuspectTimes, @IAmAliveTime, @Version);
$q$),
('UpdateIAmAlivetimeKey', $q$
    UPDATE orleansmembershiptable
       SET iamalivetime = greatest(iamalivetime, @IAmAliveTime)
     WHERE deploymentid = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation;
$q$),
('MembershipReadRowKey', $q$
    SELECT v.deploymentid, m.address, m.port, m.generation, m.siloname, m.hostname, m.status, m.proxyport,
           m.suspecttimes, m.starttime, m.iamalivetime, v.version
      FROM orleansmembershipversiontable v
      LEFT JOIN orleansmembershiptable m
        ON m.deploymentid = v.deploymentid
       AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
     WHERE v.deploymentid = @DeploymentId;
$q$),
('MembershipReadAllKey', $q$
    SELECT v.deploymentid, m.address, m.port, m.generation, m.siloname, m.hostname, m.status, m.proxyport,
           m.suspecttimes, m.starttime, m.iamalivetime, v.version
      FROM orleansmembershipversiontable v
      LEFT JOIN orleansmembershiptable m ON m.deploymentid = v.deploymentid
     WHERE v.deploymentid = @DeploymentId;
$q$),
('DeleteMembershipTableEntriesKey', $q$
    DELETE FROM orleansmembershiptable WHERE deploymentid = @DeploymentId;
    DELETE FROM orleansmembershipversiontable WHERE deploymentid = @DeploymentId;
$q$),
('GatewaysQueryKey', $q$
    SELECT address, proxyport, generation
      FROM orleansmembershiptable
     WHERE deploymentid = @DeploymentId AND status = @Status AND proxyport > 0;
$q$),
-- Removes dead silos that stopped long ago and are no longer under suspicion.
('CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM orleansmembershiptable
     WHERE deploymentid = @DeploymentId AND status = 6
       AND iamalivetime < @IAmAliveTime AND starttime < @IAmAliveTime
       AND coalesce(suspecttimes, '') = '';
$q$),
-- Removes one dead silo's row, only if it is still exactly the row the caller looked at.
('CleanupDefunctSiloEntryKey', $q$
    DELETE FROM orleansmembershiptable
     WHERE deploymentid = @DeploymentId AND status = 6
       AND address = @Address AND port = @Port AND generation = @Generation
       AND iamalivetime = @IAmAliveTime AND starttime = @StartTime
       AND coalesce(suspecttimes, '') = coalesce(@SuspectTimes, '');
$q$);
