using Orleans.Serialization;

namespace OrleansCms.Storage;

/// <summary>
/// Keeps a grain's in-memory state from running ahead of storage. A grain holds a copy of what it last
/// persisted; when a write fails (PostgreSQL down, a stale ETag) the state goes back to that copy, so a change
/// that was not stored is neither answered nor acted on (an acknowledgement, a claim, a status) and the caller
/// retries it whole.
/// </summary>
public static class StateWrites
{
    /// <summary>Writes the state and returns the new persisted copy; on failure restores <paramref name="persisted"/> and rethrows.</summary>
    public static async Task<T> WriteOrRevertAsync<T>(this IPersistentState<T> state, T persisted, DeepCopier<T> copier)
        where T : class
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = copier.Copy(persisted)!;
            throw;
        }

        return copier.Copy(state.State)!;
    }
}
