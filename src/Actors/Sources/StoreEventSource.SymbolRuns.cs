using Sig.Actors.Pipeline;
using Sig.Engine.Events;

namespace Sig.Actors.Sources;

/// <summary>The order in which <see cref="StoreEventSource"/> sends a day's events.</summary>
public enum StoreReadOrder
{
    /// <summary>
    /// Minute by minute: every symbol's events of minute m, then m's clock — what a live feed
    /// delivers; every minute can be evaluated as of its close. The default.
    /// </summary>
    ByMinute,

    /// <summary>
    /// Symbol by symbol: each symbol's whole day at once, then the day's clocks (a day start marked
    /// <see cref="MarketInput.BySymbol"/>). For a pipeline that evaluates the close alone, or whose
    /// backend records every minute as a symbol's events pass it: its rows, counters and digest equal
    /// the minute-by-minute replay's, and a shard then works through one symbol's state at a time instead
    /// of visiting every symbol's every minute, and the source reads each symbol's columns in long
    /// runs instead of per-symbol read-ahead slots.
    /// </summary>
    BySymbol,
}

public sealed partial class StoreEventSource
{
    /// <summary>
    /// Where a by-symbol day's read stands: per lane (a pipeline shard's symbol range, as for
    /// <see cref="MinuteCursor"/>) the symbol it has reached and that symbol's next event. A batch is
    /// filled from one lane, the rest of its symbol and then its next symbols, read straight into the
    /// batch by the lane's own <see cref="ISymbolRunReader"/> (the tick store's reads each column block
    /// once, whole); the next batch comes from the next lane with events left, so every shard has work
    /// from the start.
    /// </summary>
    private sealed class SymbolRunCursor : IDisposable
    {
        // Lane l is the symbols [_laneStart[l], _laneStart[l + 1]); its next event is _next[l] of symbol _symbol[l].
        private readonly int[] _laneStart, _symbol, _next;
        private readonly ISymbolRunReader[] _readers;
        private int _lane;

        public SymbolRunCursor(IDayEvents day, int lanes)
        {
            int n = day.SymbolCount;
            Symbols = new SymbolCode[n];
            EventCounts = new int[n];
            for (int i = 0; i < n; i++) (Symbols[i], EventCounts[i]) = (day.Symbol(i), day.EventCount(i));
            _laneStart = ShardRanges.Starts(n, lanes);
            _symbol = _laneStart[..lanes];
            _next = new int[lanes];
            _readers = new ISymbolRunReader[lanes];
            try
            {
                for (int l = 0; l < lanes; l++) _readers[l] = day.OpenRunReader();
            }
            catch
            {
                Dispose();
                throw;
            }
            _lane = NextLane(-1);
        }

        public SymbolCode[] Symbols { get; }

        /// <summary>Per symbol, the day's events (the day start tells the shards, so each knows when a symbol is complete).</summary>
        public int[] EventCounts { get; }

        /// <summary>Whether every lane's events are out.</summary>
        public bool Done => _lane < 0;

        /// <summary>Fills <paramref name="batch"/> from the current lane, then turns to the next lane with events left; returns the events written.</summary>
        public int Fill(TickEvent[] batch)
        {
            int lane = _lane, end = _laneStart[lane + 1], s = _symbol[lane], next = _next[lane], used = 0;
            var reader = _readers[lane];
            while (s < end && used < batch.Length)
            {
                int count = EventCounts[s], take = Math.Min(count - next, batch.Length - used);
                if (take > 0)
                {
                    reader.Read(s, next, batch.AsSpan(used, take));
                    used += take;
                    next += take;
                }
                if (next == count) (s, next) = (s + 1, 0);
            }
            _symbol[lane] = s;
            _next[lane] = next;
            _lane = NextLane(lane);
            return used;
        }

        public void Dispose()
        {
            foreach (var r in _readers) r?.Dispose();
        }

        // The first lane after `lane`, cyclically, that has symbols left; -1 when none has.
        private int NextLane(int lane)
        {
            int lanes = _symbol.Length;
            for (int i = 1; i <= lanes; i++)
            {
                int l = (lane + i + lanes) % lanes;
                if (_symbol[l] < _laneStart[l + 1]) return l;
            }
            return -1;
        }
    }
}
