using OrleansCms.Checkpoints;
using OrleansCms.Restoration;

namespace OrleansCms.Ecus;

/// <summary>
/// The status of one ECU and what each change of it means for its programs: unknown, alive, failed (its programs
/// are restored elsewhere), fenced (it learnt that it failed), rejoined, retired. Plain logic on the ECU's state;
/// the grain persists it, watches the lease and tells the fleet.
/// </summary>
/// <param name="state">The ECU's state, changed in place.</param>
/// <param name="key">The ECU grain's key; where its MAC is needed, a key that is no canonical MAC is refused (<see cref="EcuKey"/>).</param>
/// <param name="clock">Stamps the status changes.</param>
public sealed class EcuLifecycle(EcuState state, string key, TimeProvider clock)
{
    private string Mac => EcuKey.Mac(key);

    private ProgramCatalogue Catalogue => new(state, key, clock);

    /// <summary>
    /// Declared failed and not rejoined since: its registrations and heartbeats are answered
    /// <see cref="EcuStatus.Fenced"/>, so that its agent stops the old programs, which run elsewhere now.
    /// </summary>
    public bool IsCutOff => state.Status is EcuStatus.Failed or EcuStatus.Fenced;

    /// <summary>
    /// Records the registration of an ECU that is not cut off. When another agent process registers for an alive
    /// ECU, the previous one is gone and its programs with it: they are marked crashed and their restorations
    /// queued. Returns the crashed entries.
    /// </summary>
    public IReadOnlyList<ProgramEntry> Register(EcuRegistration registration)
    {
        var restarted = state.Status == EcuStatus.Alive && state.Registration?.AgentInstance is { } previous
            && registration.AgentInstance is { } current && previous != current;
        state.Registration = registration;
        if (!restarted)
        {
            return [];
        }

        var catalogue = Catalogue;
        return [.. catalogue.Active().Select(entry => catalogue.MarkCrashed(entry, "its agent restarted"))];
    }

    /// <summary>
    /// A cut-off ECU asks to join again as a fresh, empty ECU. One that was declared failed but not yet told so
    /// must first learn that it is fenced (and stop its old programs): false, nothing changes. A fenced one leaves
    /// its old entries behind as abandoned; their restoration has its own snapshot of them. Programs that run on
    /// while cut off (<see cref="IsolationPolicy.Continue"/>) and were not moved, because no one confirmed the
    /// failure, stay its own.
    /// </summary>
    public bool Rejoin(EcuRegistration registration)
    {
        if (state.Status == EcuStatus.Failed)
        {
            return false;
        }

        if (state.Status == EcuStatus.Fenced)
        {
            var keepContinuing = state.ContinuingUnconfirmed;
            Catalogue.AbandonActive("the fenced ECU rejoined as a fresh ECU", entry => keepContinuing && Continues(entry));
            state.ContinuingUnconfirmed = false;
        }

        state.Registration = registration;
        return true;
    }

    /// <summary>The ECU is alive (again); true when it was not before: it is new to the fleet.</summary>
    public bool BecomeAlive()
    {
        var wasAlive = state.Status == EcuStatus.Alive;
        state.Status = EcuStatus.Alive;
        state.StatusSince = wasAlive ? state.StatusSince : clock.GetUtcNow();
        return !wasAlive;
    }

    /// <summary>A failed ECU is told that it is fenced; true when that changed its status.</summary>
    public bool Fence()
    {
        if (state.Status != EcuStatus.Failed)
        {
            return false;
        }

        state.Status = EcuStatus.Fenced;
        state.StatusSince = clock.GetUtcNow();
        return true;
    }

    /// <summary>
    /// Declares an alive ECU failed in a new epoch and queues the restoration of its active programs. The catalogue
    /// is frozen from here on (no program can be added), so that snapshot is complete. A failure that is only a
    /// lapsed lease (not <paramref name="confirmed"/>) leaves the programs that run on while cut off
    /// (<see cref="IsolationPolicy.Continue"/>) where they are, until <see cref="ConfirmFailure"/>. False when the
    /// ECU had failed already: its epoch stands.
    /// </summary>
    /// <param name="reason">Why, as the API and the restoration show it.</param>
    /// <param name="notBefore">When the ECU's lease ends (its last heartbeat plus the lease): no copy starts earlier.</param>
    /// <param name="confirmed">Declared by an operator or a monitor, not inferred from silence.</param>
    /// <exception cref="InvalidOperationException">The ECU was never registered, or is retired.</exception>
    public bool Fail(string reason, DateTimeOffset? notBefore = null, bool confirmed = true)
    {
        if (state.Status != EcuStatus.Alive)
        {
            return IsCutOff ? false : throw new InvalidOperationException($"ECU {Mac} is {state.Status}; only a registered, alive ECU can fail.");
        }

        state.Status = EcuStatus.Failed;
        state.FailureEpoch++;
        state.FailureReason = reason;
        state.StatusSince = clock.GetUtcNow();
        var active = Catalogue.Active();
        state.ContinuingUnconfirmed = !confirmed && active.Any(Continues);
        var moved = state.ContinuingUnconfirmed ? [.. active.Where(entry => !Continues(entry))] : active;
        state.Outbox[$"failure:{Mac}:{state.FailureEpoch}"] = new RestorationRequest(RestorationKind.Failure, Mac, moved, reason, NotBefore: notBefore);
        return true;
    }

    /// <summary>
    /// Confirms the failure of a cut-off ECU whose lapsed lease left programs running on (<see cref="IsolationPolicy.Continue"/>):
    /// queues their restoration. False when there was nothing left to confirm.
    /// </summary>
    public bool ConfirmFailure(string reason, DateTimeOffset? notBefore = null)
    {
        if (!IsCutOff || !state.ContinuingUnconfirmed)
        {
            return false;
        }

        state.ContinuingUnconfirmed = false;
        state.FailureReason = $"{state.FailureReason}; confirmed: {reason}";
        state.Outbox[$"confirmed:{Mac}:{state.FailureEpoch}"] = new RestorationRequest(
            RestorationKind.Failure, Mac, [.. Catalogue.Active().Where(Continues)], $"failure confirmed: {reason}", NotBefore: notBefore);
        return true;
    }

    /// <summary>Takes an alive ECU out of the fleet: its programs are abandoned, not restored. False when it was not alive.</summary>
    public bool Retire(string reason)
    {
        if (state.Status != EcuStatus.Alive)
        {
            return false;
        }

        state.Status = EcuStatus.Retired;
        state.StatusSince = clock.GetUtcNow();
        state.FailureReason = reason;
        Catalogue.AbandonActive($"the ECU was retired: {reason}");
        return true;
    }

    /// <summary>The answer to the agent; an alive ECU without <paramref name="agentAttached"/> asks it to attach again.</summary>
    public HeartbeatReply Reply(bool agentAttached) =>
        new(state.Status, state.FailureEpoch, state.Status == EcuStatus.Alive && !agentAttached, state.NextProgramId,
            KeepContinuing: IsCutOff && state.ContinuingUnconfirmed);

    private static bool Continues(ProgramEntry entry) => entry.Program.Isolation == IsolationPolicy.Continue;
}
