using Orleans.Serialization;
using Orleans.Storage;

namespace OrleansCms.Storage;

/// <summary>
/// Keeps a grain's in-memory state from running ahead of storage. A grain holds a copy of what it last
/// persisted; when a write fails (PostgreSQL down, a stale ETag) the state goes back to that copy, so a change
/// that was not stored is neither answered nor acted on (an acknowledgement, a claim, a status) and the caller
/// retries it whole.
/// </summary>
public static class StateWrites
{
    /// <summary>
    /// Writes the state and returns the new persisted copy; on failure restores <paramref name="persisted"/> and
    /// rethrows. A stale ETag (<see cref="InconsistentStateException"/>) means another activation wrote meanwhile, so
    /// <paramref name="onConflict"/> runs first: the grain deactivates and reloads rather than act on a stale view.
    /// </summary>
    public static async Task<T> WriteOrRevertAsync<T>(this IPersistentState<T> state, T persisted, DeepCopier<T> copier, Action onConflict)
        where T : class
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            state.State = copier.Copy(persisted)!;
            if (e is InconsistentStateException)
            {
                onConflict();
            }

            throw;
        }

        return copier.Copy(state.State)!;
    }
}
