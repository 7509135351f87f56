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

    private const int CursorChunk = 256;

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
                var cursors = new SymbolEventCursor[n];
                for (int i = 0; i < n; i++)
                {
                    symbols[i] = day.Symbol(i);
                    cursors[i] = new SymbolEventCursor(CursorChunk);
                    cursors[i].Reset(day, i);
                }
                yield return MarketInput.DayStart(date, symbols);
                var batches = new List<TickEvent[]>();
                for (int m = 1; m <= lastMinute; m++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    batches.Clear();
                    CollectMinute(cursors, m, batches);
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

    /// <summary>Every symbol's events of bar <paramref name="minute"/>, symbol order, cut into batches.</summary>
    private static void CollectMinute(SymbolEventCursor[] cursors, int minute, List<TickEvent[]> batches)
    {
        // Bar ≤ m ⇔ stamped before m's close time (bars are monotone in time); the close takes everything left.
        int close = minute == SessionBars.BarsPerDay ? int.MaxValue : SessionBars.CloseTimeOf(minute);
        var batch = NewBatch();
        int used = 0;
        foreach (var cursor in cursors)
        {
            for (var run = cursor.Next(close); !run.IsEmpty; run = cursor.Next(close))
            {
                while (!run.IsEmpty)
                {
                    int take = Math.Min(run.Length, BatchEvents - used);
                    run[..take].CopyTo(batch.AsSpan(used));
                    used += take;
                    run = run[take..];
                    if (used < BatchEvents) continue;
                    batches.Add(batch);
                    batch = NewBatch();
                    used = 0;
                }
            }
        }
        if (used > 0) batches.Add(batch[..used]);
    }

    // Filled by the copies before it is handed on, so not zeroed first (84 KB per batch, one per 1500 events).
    private static TickEvent[] NewBatch() => GC.AllocateUninitializedArray<TickEvent>(BatchEvents);
}
