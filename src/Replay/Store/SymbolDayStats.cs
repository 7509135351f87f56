using Sig.Engine.Events;

namespace Sig.Replay.Store;

/// <summary>One symbol-day's counts from the store index.</summary>
/// <param name="Trades">Trade rows (fills and cancels).</param>
/// <param name="Orders">Order rows (new orders and deletes).</param>
/// <param name="SeqGaps">Places where the next seq is more than one above the previous (each counts once).</param>
/// <param name="SkippedAfterHours">After-hours prints (after 15:00) skipped on import.</param>
public readonly record struct SymbolDayStats(int Trades, int Orders, int SeqGaps, int SkippedAfterHours);

/// <summary>Seq-gap counting, shared by the importer's report and the store index so both agree.</summary>
public static class SeqGaps
{
    /// <summary>Number of i with seq[i] − seq[i−1] − 1 &gt; 0 in events sorted by seq.</summary>
    public static int Count(ReadOnlySpan<TickEvent> events)
    {
        int gaps = 0;
        for (int i = 1; i < events.Length; i++)
            if (events[i].Seq - events[i - 1].Seq > 1) gaps++;
        return gaps;
    }
}
