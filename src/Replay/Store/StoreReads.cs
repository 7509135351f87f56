namespace Sig.Replay.Store;

/// <summary>
/// How a day's batched event reads (<see cref="TickDay.ReadEvents(ReadOnlySpan{Sig.Engine.Events.EventRead}, Span{Sig.Engine.Events.TickEvent})"/>,
/// the replay source's refills) reach the file. Every way reads the same bytes; only the number of
/// system calls differs.
/// </summary>
public enum StoreReads
{
    /// <summary>io_uring where this machine has it, positioned reads otherwise.</summary>
    Auto,
    /// <summary>One positioned read (pread) per column range.</summary>
    Pread,
    /// <summary>io_uring, one submission per batch; opening a store fails where it is unavailable.</summary>
    Uring,
}

/// <summary>Resolves <see cref="StoreReads"/> against what this machine allows (probed once per process).</summary>
public static class StoreReadPaths
{
    private static readonly Lazy<string?> UringUnavailable = new(() =>
    {
        using var probe = IoUringReader.TryCreate(8, out var why);
        return why;
    });

    /// <summary>Why io_uring cannot be used here, or null when it can.</summary>
    public static string? WhyUringUnavailable => UringUnavailable.Value;

    /// <summary>The way <paramref name="requested"/> reads on this machine (never <see cref="StoreReads.Auto"/>).</summary>
    /// <exception cref="NotSupportedException"><see cref="StoreReads.Uring"/> was asked for where it is unavailable.</exception>
    public static StoreReads Resolve(StoreReads requested) => requested switch
    {
        StoreReads.Pread => StoreReads.Pread,
        StoreReads.Uring => WhyUringUnavailable is { } why ? throw new NotSupportedException($"store reads: io_uring was asked for, but {why}") : StoreReads.Uring,
        _ => WhyUringUnavailable is null ? StoreReads.Uring : StoreReads.Pread,
    };

    /// <summary>The resolved way in words, with the reason when auto fell back (bench and profile output).</summary>
    public static string Describe(StoreReads requested, StoreReads resolved) => resolved switch
    {
        StoreReads.Uring => $"io_uring, batched ({requested.ToString().ToLowerInvariant()})",
        _ when requested == StoreReads.Auto => $"pread, one per column range (auto: {WhyUringUnavailable})",
        _ => "pread, one per column range (asked for)",
    };

    /// <summary>Parses the CLI spelling: auto, pread or uring.</summary>
    public static StoreReads Parse(string text) => text switch
    {
        "auto" => StoreReads.Auto,
        "pread" => StoreReads.Pread,
        "uring" => StoreReads.Uring,
        _ => throw new ArgumentException($"store reads: '{text}' is none of auto, pread, uring"),
    };
}
