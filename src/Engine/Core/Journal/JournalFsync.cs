namespace Sig.Engine.Journal;

/// <summary>
/// When the journal writer forces appended records to stable storage. Every append is
/// written to the OS immediately under every policy, so a killed process loses nothing;
/// the policy only decides how much a power loss can take.
/// </summary>
public enum JournalFsync
{
    /// <summary>fsync after every append.</summary>
    Always,
    /// <summary>fsync when the caller calls <see cref="JournalWriter.Sync"/> at a minute watermark, on roll and on close.</summary>
    Minute,
    /// <summary>fsync when a segment is rolled or the writer closes.</summary>
    Segment,
    /// <summary>Never fsync; the OS writes back when it chooses.</summary>
    Never,
}

/// <summary>Parsing of the configuration's <c>journal.fsync</c> string.</summary>
public static class JournalFsyncNames
{
    /// <summary>Parses "always", "minute", "segment" or "never" (case-insensitive).</summary>
    public static JournalFsync Parse(string value) => value.ToLowerInvariant() switch
    {
        "always" => JournalFsync.Always,
        "minute" => JournalFsync.Minute,
        "segment" => JournalFsync.Segment,
        "never" => JournalFsync.Never,
        _ => throw new ArgumentException($"journal.fsync: '{value}' is not one of always, minute, segment, never"),
    };
}
