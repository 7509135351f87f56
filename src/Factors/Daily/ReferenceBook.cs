using Sig.Engine.Events;

namespace Sig.Factors.Daily;

/// <summary>
/// The reference rows a live source has received, by date (thread-safe: the source adds, the
/// DailyRollup reads at the close). Rows of one date arrive in one or more messages before
/// the open; a repeated symbol keeps its latest row.
/// </summary>
public sealed class ReferenceBook : IDailyReferenceSource
{
    private readonly Lock _lock = new();
    private readonly Dictionary<DateOnly, (SortedDictionary<SymbolCode, DailyReference> Rows, IReadOnlyList<string> Weights)> _days = [];

    public void Add(DateOnly date, IEnumerable<DailyReference> rows, IReadOnlyList<string> weightColumns)
    {
        lock (_lock)
        {
            if (!_days.TryGetValue(date, out var day)) _days[date] = day = (new SortedDictionary<SymbolCode, DailyReference>(), weightColumns);
            foreach (var r in rows) day.Rows[r.Symbol] = r;
            // Days before the previous one are never asked for again.
            foreach (var old in _days.Keys.Where(d => d < date.AddDays(-10)).ToList()) _days.Remove(old);
        }
    }

    public DailyReferenceSet? ReferenceOf(DateOnly date)
    {
        lock (_lock)
            return _days.TryGetValue(date, out var day) ? new DailyReferenceSet([.. day.Rows.Values], day.Weights) : null;
    }
}
