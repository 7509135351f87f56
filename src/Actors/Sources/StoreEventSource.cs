using System.Runtime.CompilerServices;
using Sig.Engine.Events;
using Sig.Engine.Time;

namespace Sig.Actors.Sources;

/// <summary>
/// Replay of stored days as pipeline inputs: per day a day start over the day's symbols, then
/// for each minute m every symbol's events of bar m (symbol order, each symbol in seq order,
/// in batches of at most <see cref="BatchEvents"/>), then the clock that closes m. This is
/// what an ideal live feed delivers, so a replay computes what live computes.
/// </summary>
/// <param name="dates">Days to replay, in order.</param>
/// <param name="openDay">Opens a day (disposed after its last input if it is <see cref="IDisposable"/>).</param>
/// <param name="lastMinute">Stop each day after this minute's clock (240: the whole day).</param>
public sealed class StoreEventSource(IReadOnlyList<DateOnly> dates, Func<DateOnly, IDayEvents> openDay, int lastMinute = SessionBars.BarsPerDay)
    : IMarketEventSource
{
    /// <summary>Events per batch: small enough to stay off the large-object heap, large enough to amortize a message.</summary>
    public const int BatchEvents = 1500;

    public string Name => "store";

    public async IAsyncEnumerable<MarketInput> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var date in dates)
        {
            var day = openDay(date);
            try
            {
                int n = day.SymbolCount;
                var symbols = new SymbolCode[n];
                for (int i = 0; i < n; i++) symbols[i] = day.Symbol(i);
                var offsets = new int[n];
                var runs = new int[n];
                yield return MarketInput.DayStart(date, symbols);
                var batches = new List<TickEvent[]>();
                for (int m = 1; m <= lastMinute; m++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    batches.Clear();
                    CollectMinute(day, offsets, runs, m, batches);
                    foreach (var batch in batches) yield return MarketInput.Ticks(date, batch);
                    yield return MarketInput.Clock(date, SessionBars.CloseTimeOf(m));
                }
            }
            finally
            {
                (day as IDisposable)?.Dispose();
            }
            await Task.Yield();
        }
    }

    /// <summary>
    /// Every symbol's events of bar <paramref name="minute"/> (those stamped before the minute's
    /// close time, up to the first that is not), symbol order, cut into batches of
    /// <see cref="BatchEvents"/> and a last shorter one; read straight from the day into the
    /// batches (each array is allocated at its final size and handed on, never reused).
    /// </summary>
    private static void CollectMinute(IDayEvents day, int[] offsets, int[] runs, int minute, List<TickEvent[]> batches)
    {
        int close = minute == SessionBars.BarsPerDay ? int.MaxValue : SessionBars.CloseTimeOf(minute);
        long total = 0;
        for (int i = 0; i < offsets.Length; i++) total += runs[i] = day.CountBefore(i, offsets[i], close);
        if (total == 0) return;
        var batch = new TickEvent[(int)Math.Min(BatchEvents, total)];
        int used = 0;
        for (int i = 0; i < offsets.Length; i++)
        {
            while (runs[i] > 0)
            {
                int take = Math.Min(runs[i], batch.Length - used);
                day.ReadEvents(i, offsets[i], batch.AsSpan(used, take));
                offsets[i] += take;
                runs[i] -= take;
                used += take;
                total -= take;
                if (used < batch.Length) continue;
                batches.Add(batch);
                if (total == 0) return;
                batch = new TickEvent[(int)Math.Min(BatchEvents, total)];
                used = 0;
            }
        }
    }
}
