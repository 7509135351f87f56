using System.Runtime.CompilerServices;
using Sig.Engine.Events;
using Sig.Engine.Time;

namespace Sig.Actors.Sources;

/// <summary>
/// Replay of stored days as pipeline inputs: per day a day start over the day's symbols, then
/// for each minute m every symbol's events of bar m (symbol order, each symbol in seq order,
/// in batches of at most <see cref="BatchEvents"/>), then the clock that closes m. This is
/// what an ideal live feed delivers, so a replay computes what live computes.
/// A batch is filled straight from the day's columns (<see cref="IDayEvents.ReadEventsBefore"/>:
/// the tick store's mapped columns are written into the batch, with no buffer in between), into
/// an array rented from this source's <see cref="Pool"/>; the shard that applies a batch releases
/// it once its snapshot covers it (<see cref="MarketInput.Release"/>), so a replay reuses a
/// working set of arrays instead of allocating one per 1,500 events.
/// </summary>
/// <param name="dates">Days to replay, in order.</param>
/// <param name="openDay">Opens a day (disposed after its last input if it is <see cref="IDisposable"/>).</param>
/// <param name="lastMinute">Stop each day after this minute's clock (240: the whole day).</param>
public sealed class StoreEventSource(IReadOnlyList<DateOnly> dates, Func<DateOnly, IDayEvents> openDay, int lastMinute = SessionBars.BarsPerDay)
    : IMarketEventSource
{
    /// <summary>Events per batch: small enough to stay off the large-object heap (84 KB), large enough to amortize a message.</summary>
    public const int BatchEvents = 1500;

    public string Name => "store";

    /// <summary>Where this source's batches come from and go back to (one pool per source, collected with it).</summary>
    public TickBatchPool Pool { get; } = new(BatchEvents);

    public async IAsyncEnumerable<MarketInput> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var date in dates)
        {
            var day = openDay(date);
            try
            {
                var cursor = new MinuteCursor(day);
                TickEvent[]? spare = null; // rented, found nothing to hold: the next batch's array
                yield return MarketInput.DayStart(date, cursor.Symbols);
                for (int m = 1; m <= lastMinute; m++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    // Bar ≤ m ⇔ stamped before m's close time (bars are monotone in time); the close takes everything left.
                    cursor.BeginMinute(m == SessionBars.BarsPerDay ? int.MaxValue : SessionBars.CloseTimeOf(m));
                    while (true)
                    {
                        var array = spare ?? Pool.Rent();
                        spare = null;
                        int used = cursor.Fill(array);
                        if (used == 0)
                        {
                            spare = array;
                            break;
                        }
                        yield return MarketInput.Ticks(date, array, used, Pool);
                        if (used < array.Length) break;
                    }
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
    /// Where the day's read stands: per symbol the next unread event. A minute's events are taken
    /// symbol by symbol (each symbol's run of events before the close), and a batch that fills up
    /// in the middle of a symbol continues with that symbol in the next one.
    /// </summary>
    private sealed class MinuteCursor
    {
        private readonly IDayEvents _day;
        private readonly int[] _next, _count;
        private int _close, _symbol;

        public MinuteCursor(IDayEvents day)
        {
            _day = day;
            int n = day.SymbolCount;
            Symbols = new SymbolCode[n];
            _next = new int[n];
            _count = new int[n];
            for (int i = 0; i < n; i++)
            {
                Symbols[i] = day.Symbol(i);
                _count[i] = day.EventCount(i);
            }
        }

        public SymbolCode[] Symbols { get; }

        public void BeginMinute(int close) => (_close, _symbol) = (close, 0);

        /// <summary>Fills <paramref name="batch"/> from the current symbol on; returns the events written (fewer than its length: the minute is done).</summary>
        public int Fill(TickEvent[] batch)
        {
            int used = 0;
            for (; _symbol < _next.Length; _symbol++)
            {
                int next = _next[_symbol];
                if (next == _count[_symbol]) continue;
                int n = _day.ReadEventsBefore(_symbol, next, _close, batch.AsSpan(used));
                _next[_symbol] = next + n;
                used += n;
                if (used == batch.Length) return used; // the symbol may have more before the close: the next batch starts with it
            }
            return used;
        }
    }
}
