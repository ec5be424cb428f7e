-- Orleans membership (ADO.NET clustering provider, Microsoft.Orleans.Clustering.AdoNet 10.x).
-- One version row per cluster (deploymentid = ClusterId) and one row per silo incarnation. Every insert or
-- update of a silo row must also move the version row on by one, and only if the writer saw the current
-- version: the version row's lock serializes concurrent writers, and the loser gets 0 ("lost the race",
-- the provider re-reads and retries). Silo status codes: 3 = Active, 6 = Dead.

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

-- Each query below answers what the provider reads: a single integer column for the writes (non-zero =
-- done), and the columns of both tables, by name, for the reads.
INSERT INTO orleansquery (querykey, querytext) VALUES

-- Creates the cluster's version row; 0 when it already exists.
('InsertMembershipVersionKey', $q$
    WITH created AS (
        INSERT INTO orleansmembershipversiontable (deploymentid)
        VALUES (@DeploymentId)
        ON CONFLICT (deploymentid) DO NOTHING
        RETURNING 1)
    SELECT count(*)::integer AS row_count FROM created;
$q$),

-- Adds a silo row, provided the caller holds the current version and the silo is not listed yet.
('InsertMembershipKey', $q$
    WITH claimed AS (
        UPDATE orleansmembershipversiontable
           SET version = version + 1, timestamp = now()
         WHERE deploymentid = @DeploymentId
           AND version = @Version AND version < 2147483647
           AND NOT EXISTS (
               SELECT 1 FROM orleansmembershiptable
                WHERE deploymentid = @DeploymentId
                  AND address = @Address AND port = @Port AND generation = @Generation)
        RETURNING 1),
    added AS (
        INSERT INTO orleansmembershiptable
            (deploymentid, address, port, generation, siloname, hostname, status, proxyport, starttime, iamalivetime)
        SELECT @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort,
               @StartTime, @IAmAliveTime
         WHERE EXISTS (SELECT 1 FROM claimed)
        ON CONFLICT DO NOTHING
        RETURNING 1)
    SELECT count(*)::integer AS row_count FROM added;
$q$),

-- Changes a silo's status and suspicions, provided the caller holds the current version and the row exists.
('UpdateMembershipKey', $q$
    WITH claimed AS (
        UPDATE orleansmembershipversiontable
           SET version = version + 1, timestamp = now()
         WHERE deploymentid = @DeploymentId
           AND version = @Version AND version < 2147483647
           AND EXISTS (
               SELECT 1 FROM orleansmembershiptable
                WHERE deploymentid = @DeploymentId
                  AND address = @Address AND port = @Port AND generation = @Generation)
        RETURNING 1),
    changed AS (
        UPDATE orleansmembershiptable
           SET status = @Status,
               suspecttimes = @SuspectTimes,
               iamalivetime = greatest(iamalivetime, @IAmAliveTime)
         WHERE deploymentid = @DeploymentId
           AND address = @Address AND port = @Port AND generation = @Generation
           AND EXISTS (SELECT 1 FROM claimed)
        RETURNING 1)
    SELECT count(*)::integer AS row_count FROM changed;
$q$),

-- Heartbeat; outside the versioning, and never moves the time backwards.
('UpdateIAmAlivetimeKey', $q$
    UPDATE orleansmembershiptable
       SET iamalivetime = greatest(iamalivetime, @IAmAliveTime)
     WHERE deploymentid = @DeploymentId
       AND address = @Address AND port = @Port AND generation = @Generation;
$q$),

-- The version row always comes back (with null silo columns when the silo is not listed).
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

-- Gateways for clients: the provider passes @Status = 3 (Active).
('GatewaysQueryKey', $q$
    SELECT address, proxyport, generation
      FROM orleansmembershiptable
     WHERE deploymentid = @DeploymentId AND status = @Status AND proxyport > 0;
$q$),

-- Bulk pruning of silos dead since before @IAmAliveTime. Required by the provider, but it prefers the
-- per-row query below whenever that one exists.
('CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM orleansmembershiptable
     WHERE deploymentid = @DeploymentId AND status = 6
       AND iamalivetime < @IAmAliveTime AND starttime < @IAmAliveTime
       AND coalesce(suspecttimes, '') = '';
$q$),

-- Prunes one dead silo, only if its row is still exactly what the provider read (optional key).
('CleanupDefunctSiloEntryKey', $q$
    DELETE FROM orleansmembershiptable
     WHERE deploymentid = @DeploymentId AND status = 6
       AND address = @Address AND port = @Port AND generation = @Generation
       AND iamalivetime = @IAmAliveTime AND starttime = @StartTime
       AND coalesce(suspecttimes, '') = coalesce(@SuspectTimes, '');
$q$);
