using Sig.Engine.Events;

namespace Sig.Actors.Pipeline;

/// <summary>
/// The Router actor: at a day start it splits the ascending universe into contiguous symbol
/// ranges, one per shard (so merging shard outputs is concatenation in shard order); then it
/// sends each shard the events of its symbols, in arrival order, and every clock to every
/// shard (routed by the symbol's position in the day's universe: a dense lookup, no search). Events
/// of unknown symbols and rejected rows go to shard 0, which counts them. Its
/// state is an immutable routing table, so it snapshots (a reference) after every message and
/// keeps no message for replay. The source stream feeds it batches of consecutive inputs (as
/// many as arrived while it was busy), one batch in flight, acknowledged while the shards'
/// windows have room. It numbers the inputs (in a live run, the journal's record numbers) and,
/// when the pipeline persists its state, announces each cut: the clock input that closes a
/// multiple of <c>persistence.everyMinutes</c> minutes.
/// </summary>
internal sealed class MarketRouter(StageMemory memory, Sig.Actors.Persistence.PipelinePersistence? persistence = null)
    : PipelineStage<SourceBatch>(memory), ISnapshotable
{
    private readonly List<(int Shard, MarketInput Input)> _routed = [];
    private readonly List<MarketInput> _split = [];
    // Split's per-shard part arrays, reused (cleared after each split) instead of allocated per split.
    private TickEvent[]?[] _parts = [];
    private RoutingTable _table = RoutingTable.Empty;
    // Inputs routed so far (the number of the last one), and the minutes closed by the clocks of the current date.
    private long _inputs;
    private DateOnly _date;
    private int _closed;

    protected override ValueTask HandleAsync(SourceBatch batch)
    {
        RequestSnapshot();
        // Routed in full before anything is sent: a batch that fails midway sends nothing, so its retry sends nothing twice.
        _routed.Clear();
        _split.Clear();
        foreach (var input in batch.Inputs) Route(input);
        foreach (var (shard, input) in _routed) Emit(shard, input);
        // A split input was copied into its parts and goes nowhere: the router is its last reader.
        // Released only now, after every part is sent, so a retry after a failure above still reads it.
        foreach (var input in _split) input.Release();
        return ValueTask.CompletedTask;
    }

    private void Route(MarketInput input)
    {
        _inputs++;
        int shards = Downstreams;
        switch (input.Kind)
        {
            case MarketInputKind.DayStart:
                _table = RoutingTable.For(input.Symbols, shards, input.BySymbol);
                if (input.Date != _date) (_date, _closed) = (input.Date, 0);
                for (int s = 0; s < shards; s++)
                    _routed.Add((s, input.EventCounts is { } counts
                        ? MarketInput.BySymbolDayStart(input.Date, _table.PartOf(input.Symbols, s), _table.PartOf(counts, s), input.SourceSeq)
                        : MarketInput.DayStart(input.Date, _table.PartOf(input.Symbols, s), input.SourceSeq)));
                break;
            case MarketInputKind.Ticks:
                if (shards == 1) { _routed.Add((0, input)); break; }
                if (_parts.Length != shards) _parts = new TickEvent[]?[shards];
                if (_table.Split(input, _routed, _parts)) _split.Add(input);
                break;
            case MarketInputKind.Clock:
                for (int s = 0; s < shards; s++) _routed.Add((s, input));
                if (input.Date != _date) break; // the shards ignore it too
                int closed = Math.Max(_closed, Sig.Engine.Time.SessionBars.ClosedBarsAt(input.Time));
                // Announced before the shards see the clock, so the writer knows the cut's input number first.
                if (persistence is not null && !IsReplaying && persistence.IsCut(_closed, closed)) persistence.CutAnnounced(_inputs, _date, closed);
                _closed = closed;
                break;
            default:
                _routed.Add((0, input));
                break;
        }
    }

    // The table is immutable once built, so the snapshot holds the reference itself.
    public object Snapshot() => new State(_table, _inputs, _date, _closed);

    public void Restore(object? snapshot) =>
        (_table, _inputs, _date, _closed) = snapshot is State s ? (s.Table, s.Inputs, s.Date, s.Closed) : (RoutingTable.Empty, 0L, default(DateOnly), 0);

    /// <summary>The router's state at a persisted cut: the day's routing, <paramref name="inputs"/> routed, <paramref name="closed"/> minutes closed.</summary>
    public static object Resumed(SymbolCode[] universe, int shards, long inputs, DateOnly date, int closed) =>
        new State(RoutingTable.For(universe, shards, bySymbol: false), inputs, date, closed); // a by-symbol day is never persisted

    private sealed record State(RoutingTable Table, long Inputs, DateOnly Date, int Closed);

    // Shard s owns universe positions [_starts[s], _starts[s + 1]); an event's shard is its universe
    // position's (a dense lookup, done once per run of one symbol's events).
    private sealed class RoutingTable
    {
        public static readonly RoutingTable Empty = new([], 1, false);
        private readonly SymbolIndex _index;
        private readonly int[] _starts;
        private readonly int _shards, _perShard;
        // The day comes symbol by symbol: each ticks input holds ascending symbols of the day's universe.
        private readonly bool _bySymbol;

        private RoutingTable(SymbolCode[] symbols, int shards, bool bySymbol)
        {
            _shards = shards;
            _bySymbol = bySymbol;
            _starts = ShardRanges.Starts(symbols.Length, shards);
            _perShard = Math.Max(1, ShardRanges.PerShard(symbols.Length, shards));
            _index = new SymbolIndex(symbols);
        }

        public static RoutingTable For(SymbolCode[] symbols, int shards, bool bySymbol) => new(symbols, shards, bySymbol);

        /// <summary>Shard <paramref name="shard"/>'s part of an array in the day's symbol order (its symbols, their counts).</summary>
        public T[] PartOf<T>(T[] perSymbol, int shard) => perSymbol[_starts[shard].._starts[shard + 1]];

        /// <summary>
        /// Adds each shard's part of a ticks input to <paramref name="routed"/>, events in arrival order:
        /// the input itself when it all belongs to one shard (false), else one new input per shard with
        /// events (true: the input was copied and goes nowhere). Parts of a pooled input are rented
        /// from its pool, so the shard that applies a part releases it like any other batch.
        /// <paramref name="parts"/> is scratch of one slot per shard (every slot set here, cleared on return).
        /// </summary>
        public bool Split(MarketInput input, List<(int Shard, MarketInput Input)> routed, TickEvent[]?[] parts)
        {
            var events = input.Events;
            // Ascending symbols (a by-symbol day's contract): when the first and the last fall in one shard, every one between does.
            if (_bySymbol && events.Length > 0)
            {
                int first = _index.IndexOf(events[0].Symbol), last = _index.IndexOf(events[^1].Symbol);
                if (first >= 0 && last >= 0 && first / _perShard == last / _perShard)
                {
                    routed.Add((first / _perShard, input));
                    return false;
                }
            }
            Span<int> counts = stackalloc int[_shards];
            int lastValue = int.MinValue, lastShard = 0;
            foreach (ref readonly var e in events)
            {
                if (e.Symbol != lastValue) lastShard = ShardOf(lastValue = e.Symbol);
                counts[lastShard]++;
            }
            // All of one shard (the usual case for a replay, whose batches hold one shard's lane each): no copy.
            if (events.Length == 0) return true; // nothing to route: nobody else reads it
            if (counts[lastShard] == events.Length)
            {
                routed.Add((lastShard, input));
                return false;
            }
            var pool = input.Pool;
            for (int s = 0; s < _shards; s++) parts[s] = counts[s] > 0 ? pool?.Rent() ?? new TickEvent[counts[s]] : null;
            counts.Clear();
            lastValue = int.MinValue;
            foreach (ref readonly var e in events)
            {
                if (e.Symbol != lastValue) lastShard = ShardOf(lastValue = e.Symbol);
                parts[lastShard]![counts[lastShard]++] = e;
            }
            for (int s = 0; s < _shards; s++)
                if (parts[s] is { } part) routed.Add((s, MarketInput.Ticks(input.Date, part, counts[s], pool, input.SourceSeq)));
            parts.AsSpan().Clear();
            return true;
        }

        // Unknown symbols go to shard 0, which counts them.
        private int ShardOf(int symbol)
        {
            int i = _index.IndexOf(symbol);
            return i < 0 ? 0 : i / _perShard;
        }
    }
}

/// <summary>Consecutive inputs of the source, in order: what the source stream hands the router in one message.</summary>
internal sealed record SourceBatch(List<MarketInput> Inputs);
