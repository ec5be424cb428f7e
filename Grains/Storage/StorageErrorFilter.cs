using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace OrleansCms.Storage;

/// <summary>
/// Turns a database error that escapes a grain call into a <see cref="StorageUnavailableException"/>, which Orleans
/// can carry to the caller; the Npgsql exception itself cannot be serialized, so without this the caller would see a
/// codec error instead of the database's refusal. Registered first, so that it also covers the other filters.
/// </summary>
public sealed partial class StorageErrorFilter(ILogger<StorageErrorFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception e) when (DatabaseError(e) is { } error)
        {
            var call = $"{context.InterfaceName}.{context.MethodName} on {context.TargetId}";
            Failed(call, error.SqlState ?? "-", error.Message);
            throw new StorageUnavailableException($"the CMS's database failed {call}: {error.Message}", error.SqlState, error.IsTransient);
        }
    }

    /// <summary>The database error in <paramref name="e"/> or among its inner exceptions (Orleans' providers wrap theirs).</summary>
    internal static DbException? DatabaseError(Exception e)
    {
        for (Exception? cause = e; cause is not null; cause = cause.InnerException)
        {
            if (cause is DbException error)
            {
                return error;
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database failed {Call} (SQLSTATE {SqlState}): {Error}")]
    private partial void Failed(string call, string sqlState, string error);
}
