using Sig.Factors.Daily;

namespace Sig.Replay.Store;

/// <summary>The reference rows of a tick store's days (replay's <see cref="IDailyReferenceSource"/>).</summary>
public sealed class TickStoreReferences(TickStore store) : IDailyReferenceSource
{
    public DailyReferenceSet? ReferenceOf(DateOnly date)
    {
        if (!store.Dates.Contains(date)) return null;
        using var day = store.OpenDay(date);
        return new DailyReferenceSet([.. day.References.OrderBy(r => r.Symbol)], day.Schema.WeightColumns);
    }
}
