using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Sig.Actors.Pipeline;
using Sig.Engine.Events;
using Sig.Engine.Time;

namespace Sig.Actors.Sources;

/// <summary>
/// Replay of stored days as pipeline inputs: per day a day start over the day's symbols, then
/// for each minute m every symbol's events of bar m (each symbol's in seq order and together, in
/// batches of at most <see cref="BatchEvents"/>), then the clock that closes m. This is what an
/// ideal live feed delivers, so a replay computes what live computes.
/// The day's symbols are cut into lanes, the pipeline's shard ranges (<see cref="ShardRanges"/>),
/// and a minute's batches are filled from the lanes in turn, each batch from one lane, ascending
/// symbol order within a lane: lane 0's first batch, lane 1's first, …, lane 0's second, and so on
/// until every lane's events of the minute are out. So every shard gets its part of a minute from the
/// start (with one lane, symbol order, shard 0's half came first and shard 1 idled while the source
/// read it; docs/factor-core-rounds.md, twelfth round), and the router still forwards each batch whole.
/// Only the order across symbols within a minute depends on the lanes; no output does.
/// A batch is filled from per-symbol read-ahead slots (each symbol's next rows transposed from the
/// day's columns at once, then cut per minute; see <see cref="MinuteCursor"/>), into
/// an array rented from this source's <see cref="Pool"/>; the shard that applies a batch releases
/// it once its snapshot covers it (<see cref="MarketInput.Release"/>), so a replay reuses a
/// working set of arrays instead of allocating one per batch.
/// </summary>
/// <param name="dates">Days to replay, in order.</param>
/// <param name="openDay">Opens a day (disposed after its last input if it is <see cref="IDisposable"/>).</param>
/// <param name="lastMinute">Stop each day after this minute's clock (240: the whole day).</param>
/// <param name="readAheadEvents">Rows read ahead per symbol (<see cref="ReadAheadEvents"/>; smaller in tests, to cut runs across slots).</param>
/// <param name="lanes">Lanes: the shard count of the pipeline that reads this source (1, or less: plain symbol order, as the pipeline runs one shard then).</param>
/// <param name="order">Minute by minute (the default, what live delivers) or symbol by symbol (<see cref="StoreReadOrder"/>).</param>
/// <param name="batchEvents">Events per batch at most (<see cref="BatchEvents"/>; smaller in tests, to cut a minute or a symbol across batches).</param>
public sealed partial class StoreEventSource(IReadOnlyList<DateOnly> dates, Func<DateOnly, IDayEvents> openDay, int lastMinute = SessionBars.BarsPerDay,
    int readAheadEvents = StoreEventSource.ReadAheadEvents, int lanes = 1, StoreReadOrder order = StoreReadOrder.ByMinute,
    int batchEvents = StoreEventSource.BatchEvents)
    : IMarketEventSource
{
    private readonly StoreReadOrder _order = order == StoreReadOrder.BySymbol && lastMinute != SessionBars.BarsPerDay
        ? throw new ArgumentException("a symbol-by-symbol replay reads whole days: it cannot stop after minute " + lastMinute, nameof(order))
        : order;

    /// <summary>
    /// Rows read ahead per symbol. A refill is nine column reads from the tick store (a syscall each
    /// with pread; refills go in groups of <see cref="RefillGroup"/>, one io_uring submission a group
    /// where the machine has it), so the slot is sized to make those rare: 512 rows cover ~60 minutes of a
    /// 5,000 × 2,000 day and ~6 of a 5,000 × 20,000 one; the staging buffer is 28 KB per symbol
    /// (143 MB at 5,000), allocated once and kept across days. (64 rows cost twice the source's CPU at
    /// 5,000 × 2,000; at 5,000 × 20,000, 512 rows instead of 256 took a quarter off the source's CPU
    /// for +62 MiB of peak RSS, 1,024 a third for +200 MiB: docs/factor-core-rounds.md, eleventh round.)
    /// </summary>
    public const int ReadAheadEvents = 512;

    private readonly int _readAhead = readAheadEvents > 0 ? readAheadEvents : throw new ArgumentOutOfRangeException(nameof(readAheadEvents));
    private readonly int _lanes = Math.Max(1, lanes);

    /// <summary>
    /// Symbols whose slots are refilled together: when a symbol's slot runs out, the next symbols of its
    /// lane whose slots will run out before the minute's close are refilled with it, in one batched read
    /// (<see cref="IDayEvents.ReadEvents(ReadOnlySpan{EventRead}, Span{TickEvent})"/>). 32 slots are 288
    /// column reads, where the per-read cost of an io_uring batch had flattened out
    /// (docs/factor-core-rounds.md, fourteenth round).
    /// </summary>
    public const int RefillGroup = 32;

    /// <summary>
    /// Events per batch by default. Each batch is a message to the router and on to a shard, each
    /// acknowledged, with the thread-pool hand-offs that go with them, so the count of batches is
    /// what a replay's pipeline pays per message: 6,000 events (336 KB, a pinned pooled array, so the
    /// large-object heap does not matter) against the 1,500 used until the twenty-second round took
    /// a daily replay from 28.4–29.2 to 32.6–32.9 M events/s and an every-minute one 4–10 % higher,
    /// for ≈ 65 MiB more peak RSS (the mailboxes' windows count messages, so more events are in
    /// flight; docs/factor-core-rounds.md, twenty-second round).
    /// </summary>
    public const int BatchEvents = 6000;

    public string Name => "store";

    /// <summary>Where this source's batches come from and go back to (one pool per source, collected with it).</summary>
    public TickBatchPool Pool { get; } = new(batchEvents > 0 ? batchEvents : throw new ArgumentOutOfRangeException(nameof(batchEvents)));

    public async IAsyncEnumerable<MarketInput> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var staging = Array.Empty<TickEvent>(); // the read-ahead slots, per enumeration: kept across its days, grown when a day has more symbols
        foreach (var date in dates)
        {
            var day = openDay(date);
            try
            {
                if (_order == StoreReadOrder.BySymbol)
                {
                    using (var runs = new SymbolRunCursor(day, _lanes))
                    {
                        yield return MarketInput.BySymbolDayStart(date, runs.Symbols, runs.EventCounts);
                        TickEvent[]? spare = null; // rented, found nothing to hold (the lane's last symbols had no events)
                        while (!runs.Done)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            var array = spare ?? Pool.Rent();
                            spare = null;
                            int used = runs.Fill(array);
                            if (used == 0) spare = array;
                            else yield return MarketInput.Ticks(date, array, used, Pool);
                        }
                    }
                    for (int m = 1; m <= lastMinute; m++) yield return MarketInput.Clock(date, SessionBars.CloseTimeOf(m));
                }
                else
                {
                    if ((long)day.SymbolCount * _readAhead > staging.Length)
                        staging = GC.AllocateUninitializedArray<TickEvent>(checked(day.SymbolCount * _readAhead));
                    var cursor = new MinuteCursor(day, staging, _readAhead, _lanes);
                    TickEvent[]? spare = null; // rented, found nothing to hold: the next batch's array
                    yield return MarketInput.DayStart(date, cursor.Symbols);
                    for (int m = 1; m <= lastMinute; m++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        // Bar ≤ m ⇔ stamped before m's close time (bars are monotone in time); the close takes everything left.
                        cursor.BeginMinute(m == SessionBars.BarsPerDay ? int.MaxValue : SessionBars.CloseTimeOf(m));
                        while (!cursor.MinuteDone)
                        {
                            var array = spare ?? Pool.Rent();
                            spare = null;
                            int used = cursor.Fill(array);
                            if (used == 0)
                            {
                                spare = array;
                                continue;
                            }
                            yield return MarketInput.Ticks(date, array, used, Pool);
                        }
                        yield return MarketInput.Clock(date, SessionBars.CloseTimeOf(m));
                    }
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
    /// Where the day's read stands: per symbol the next unread event and a read-ahead slot of the
    /// source's staging buffer; per lane the symbol the minute has reached. A batch is filled from one
    /// lane, symbol by symbol (each symbol's run of events before the close); the next batch comes
    /// from the next lane that has events left, and a lane whose batch filled up in the middle of a
    /// symbol continues with that symbol in its next one. A lane is done for the minute when its
    /// position has passed its last symbol (only a batch that did not fill up gets there).
    /// The day is stored symbol by symbol, column by column, and read minute by minute: at 5,000
    /// symbols a symbol's run per minute is a handful of rows, and reading it straight from the
    /// columns costs nine column reads (for the tick store, nine syscalls) for those few rows.
    /// So a symbol's next <see cref="ReadAheadEvents"/> rows are read and transposed at once into
    /// its slot (nine reads per slot instead of per minute), and the minutes that follow are cut
    /// from the slot and copied into the batch with one block copy per run. A slot that runs out is
    /// refilled together with those of the following symbols of the lane that will run out before the
    /// close too (their last staged row is before it): the rows they have left move to the slot's
    /// front and the rest is read behind them, all symbols in one batched read. Which symbols go along
    /// only moves reads earlier; a symbol that still runs out mid-minute is refilled when it does, so
    /// the inputs never depend on the guess.
    /// </summary>
    private sealed unsafe class MinuteCursor
    {
        /// <summary>How many symbols ahead the next slot rows are prefetched.</summary>
        private const int PrefetchAhead = 8;
        private readonly IDayEvents _day;
        private readonly TickEvent[] _staging;
        private readonly int _slot;
        /// <summary>How far past a symbol that runs out a refill looks for others to take along.</summary>
        private const int RefillLookahead = 256;
        // Per symbol: the next unread event, the day's event count, the events [next, stagedEnd) staged at slot
        // offset next - stagedFrom, and the time of the last staged event (whether the slot lasts past a close).
        private readonly int[] _next, _count, _stagedFrom, _stagedEnd, _stagedLastTime;
        private readonly EventRead[] _group = new EventRead[RefillGroup];
        // Lane l is the symbols [_laneStart[l], _laneStart[l + 1]); _position[l] is the one its next batch starts with.
        private readonly int[] _laneStart, _position;
        private int _close, _lane;

        public MinuteCursor(IDayEvents day, TickEvent[] staging, int slot, int lanes)
        {
            _day = day;
            _staging = staging;
            _slot = slot;
            int n = day.SymbolCount;
            Symbols = new SymbolCode[n];
            _next = new int[n];
            _count = new int[n];
            _stagedFrom = new int[n];
            _stagedEnd = new int[n];
            _stagedLastTime = new int[n];
            for (int i = 0; i < n; i++)
            {
                Symbols[i] = day.Symbol(i);
                _count[i] = day.EventCount(i);
            }
            _laneStart = ShardRanges.Starts(n, lanes);
            _position = new int[lanes];
        }

        public SymbolCode[] Symbols { get; }

        /// <summary>Whether every lane's events of the minute are out.</summary>
        public bool MinuteDone => _lane < 0;

        public void BeginMinute(int close)
        {
            _close = close;
            _laneStart.AsSpan(0, _position.Length).CopyTo(_position);
            _lane = NextLane(-1);
        }

        /// <summary>
        /// Fills <paramref name="batch"/> from the current lane's position on, then turns to the next
        /// lane with events left; returns the events written (fewer than its length: that lane is done).
        /// </summary>
        public int Fill(TickEvent[] batch)
        {
            int lane = _lane, end = _laneStart[lane + 1], used = 0, close = _close, symbol = _position[lane];
            for (; symbol < end; symbol++)
            {
                int s = symbol, next = _next[s], stagedEnd = _stagedEnd[s];
                // The slot's next rows were written minutes ago and are out of the caches by now (3.5 KB a
                // symbol, 17.5 MB at 5,000): ask for a symbol's a few symbols ahead so its miss overlaps this work.
                if (Sse.IsSupported && s + PrefetchAhead < end)
                {
                    int p = s + PrefetchAhead;
                    int at = p * _slot + Math.Min(_next[p] - _stagedFrom[p], _slot - 1);
                    fixed (TickEvent* e = &_staging[at]) { Sse.Prefetch0(e); Sse.Prefetch0((byte*)e + 64); }
                }
                while (true)
                {
                    if (next == stagedEnd)
                    {
                        if (next == _count[s]) break;
                        stagedEnd = Refill(s, next, end);
                    }
                    var staged = _staging.AsSpan(s * _slot + (next - _stagedFrom[s]), stagedEnd - next);
                    int limit = Math.Min(staged.Length, batch.Length - used), k = 0;
                    while (k < limit && staged[k].Time < close) k++;
                    staged[..k].CopyTo(batch.AsSpan(used));
                    used += k;
                    next += k;
                    if (used == batch.Length) break; // the symbol may have more before the close: the lane's next batch starts with it
                    if (k < staged.Length) break; // the run ends before the slot does: the symbol is done for this minute
                }
                _next[s] = next;
                if (used == batch.Length) break;
            }
            _position[lane] = symbol;
            _lane = NextLane(lane);
            return used;
        }

        // Refills symbol s's empty slot from its event `next` on, and with it the slots of the following
        // symbols of the lane (up to laneEnd) that will run out before this minute's close and have at most
        // half a slot left (a fuller one would be read again soon after): their rows left move to the slot's
        // front, the rest is read behind them. Returns s's new staged end.
        private int Refill(int s, int next, int laneEnd)
        {
            int g = 0, take = Math.Min(_count[s] - next, _slot);
            _group[g++] = new EventRead(s, next, take, s * _slot);
            _stagedFrom[s] = next;
            _stagedEnd[s] = next + take;
            int limit = Math.Min(laneEnd, s + 1 + RefillLookahead);
            for (int t = s + 1; t < limit && g < _group.Length; t++)
            {
                int from = _next[t], stagedEnd = _stagedEnd[t], kept = stagedEnd - from;
                if (stagedEnd == _count[t] || kept > _slot / 2 || (kept > 0 && _stagedLastTime[t] >= _close)) continue;
                if (kept > 0) _staging.AsSpan(t * _slot + (from - _stagedFrom[t]), kept).CopyTo(_staging.AsSpan(t * _slot));
                int more = Math.Min(_count[t] - stagedEnd, _slot - kept);
                _group[g++] = new EventRead(t, stagedEnd, more, t * _slot + kept);
                _stagedFrom[t] = from;
                _stagedEnd[t] = stagedEnd + more;
            }
            _day.ReadEvents(_group.AsSpan(0, g), _staging);
            foreach (var r in _group.AsSpan(0, g))
                _stagedLastTime[r.Index] = _staging[r.At + r.Count - 1].Time;
            return next + take;
        }

        // The first lane after `lane`, cyclically, that has symbols left in the minute; -1 when none has.
        private int NextLane(int lane)
        {
            int lanes = _position.Length;
            for (int i = 1; i <= lanes; i++)
            {
                int l = (lane + i + lanes) % lanes;
                if (_position[l] < _laneStart[l + 1]) return l;
            }
            return -1;
        }
    }
}
