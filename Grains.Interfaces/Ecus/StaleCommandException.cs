namespace OrleansCms.Ecus;

/// <summary>
/// A command for a logical program carries an older fencing token than one the ECU has already taken for it (or the
/// same token under another id): a newer decision owns the program, so this command starts or stops nothing.
/// </summary>
[GenerateSerializer, Alias("OrleansCms.StaleCommandException")]
public sealed class StaleCommandException : Exception
{
    public StaleCommandException(string root, FencingToken token, FencingToken newest, string newestCommandId)
        : base($"the command's token {token} for {root} is older than {newest} ({newestCommandId}), already taken")
    {
        Root = root;
        Token = token;
        Newest = newest;
    }

    /// <summary>The logical program (the key of its first copy).</summary>
    [Id(0)]
    public string Root { get; }

    /// <summary>The refused command's token.</summary>
    [Id(1)]
    public FencingToken Token { get; }

    /// <summary>The newest token taken for <see cref="Root"/>.</summary>
    [Id(2)]
    public FencingToken Newest { get; }
}
