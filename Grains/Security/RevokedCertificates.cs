using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Npgsql;

namespace OrleansCms.Security;

/// <summary>One revoked certificate, as recorded in <c>cms_revoked_certificates</c>.</summary>
[GenerateSerializer, Alias("OrleansCms.Revocation")]
public sealed record Revocation(
    [property: Id(0)] string Sha256,
    [property: Id(1)] string Subject,
    [property: Id(2)] string? Reason,
    [property: Id(3)] string RevokedBy,
    [property: Id(4)] DateTimeOffset RevokedAt);

/// <summary>
/// The fleet certificates this silo refuses, by the SHA-256 of their DER bytes: read from PostgreSQL at start and every
/// <see cref="RevocationOptions.RefreshInterval"/> (<see cref="RevocationRefresher"/>), and at once for a revocation
/// recorded through this silo. When PostgreSQL cannot be read, the last set read stays in force.
/// </summary>
public sealed class RevokedCertificates(NpgsqlDataSource dataSource)
{
    private FrozenSet<string> _revoked = FrozenSet<string>.Empty;

    /// <summary>The SHA-256 of a certificate's DER bytes, in lower-case hex: how revocations name it.</summary>
    public static string Fingerprint(X509Certificate2 certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate.RawDataMemory.Span));

    public bool IsRevoked(string sha256) => _revoked.Contains(sha256);

    public bool IsRevoked(X509Certificate2 certificate) => IsRevoked(Fingerprint(certificate));

    /// <summary>Reads the whole set again (a fleet revokes few certificates; each is 32 bytes).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT sha256 FROM cms_revoked_certificates");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var revoked = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            revoked.Add(Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(0)));
        }

        _revoked = revoked.ToFrozenSet();
    }

    /// <summary>Records a revocation (durably, before it answers) and applies it on this silo; revoking twice keeps the first record.</summary>
    public async Task<Revocation> RevokeAsync(string sha256, string subject, string? reason, string revokedBy, CancellationToken cancellationToken = default)
    {
        await using (var insert = dataSource.CreateCommand(
            "INSERT INTO cms_revoked_certificates (sha256, subject, reason, revoked_by) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING"))
        {
            insert.Parameters.Add(new() { Value = Convert.FromHexString(sha256) });
            insert.Parameters.Add(new() { Value = subject });
            insert.Parameters.Add(new() { Value = (object?)reason ?? DBNull.Value });
            insert.Parameters.Add(new() { Value = revokedBy });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        // Read afterwards, so that a revocation another silo recorded first is answered as it was recorded.
        await using var select = dataSource.CreateCommand(
            "SELECT sha256, subject, reason, revoked_by, revoked_at FROM cms_revoked_certificates WHERE sha256 = $1");
        select.Parameters.Add(new() { Value = Convert.FromHexString(sha256) });
        var recorded = (await ReadAsync(select, cancellationToken)).Single();
        _revoked = _revoked.Append(recorded.Sha256).ToFrozenSet();
        return recorded;
    }

    /// <summary>Every revocation, the newest first.</summary>
    public async Task<IReadOnlyList<Revocation>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT sha256, subject, reason, revoked_by, revoked_at FROM cms_revoked_certificates ORDER BY revoked_at DESC");
        return await ReadAsync(command, cancellationToken);
    }

    private static async Task<List<Revocation>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<Revocation>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new Revocation(Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(0)), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return rows;
    }
}
