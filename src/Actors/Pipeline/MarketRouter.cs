using Sig.Engine.Events;

namespace Sig.Actors.Pipeline;

/// <summary>
/// The Router actor: at a day start it splits the ascending universe into contiguous symbol
/// ranges, one per shard (so merging shard outputs is concatenation in shard order); then it
/// sends each shard the events of its symbols, in arrival order, and every clock to every
/// shard. Events of unknown symbols and rejected rows go to shard 0, which counts them. Its
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
        foreach (var input in batch.Inputs) Route(input);
        foreach (var (shard, input) in _routed) Emit(shard, input);
        return ValueTask.CompletedTask;
    }

    private void Route(MarketInput input)
    {
        _inputs++;
        int shards = Downstreams;
        switch (input.Kind)
        {
            case MarketInputKind.DayStart:
                _table = RoutingTable.For(input.Symbols, shards);
                if (input.Date != _date) (_date, _closed) = (input.Date, 0);
                for (int s = 0; s < shards; s++) _routed.Add((s, MarketInput.DayStart(input.Date, _table.SymbolsOf(input.Symbols, s), input.SourceSeq)));
                break;
            case MarketInputKind.Ticks:
                if (shards == 1) { _routed.Add((0, input)); break; }
                var parts = _table.Split(input.Events);
                for (int s = 0; s < parts.Length; s++)
                    if (parts[s] is { Length: > 0 } part)
                        _routed.Add((s, ReferenceEquals(part, input.Events) ? input : MarketInput.Ticks(input.Date, part, input.SourceSeq)));
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
        new State(RoutingTable.For(universe, shards), inputs, date, closed);

    private sealed record State(RoutingTable Table, long Inputs, DateOnly Date, int Closed);

    // Shard s owns universe positions [_starts[s], _starts[s + 1]); an event's shard is found by a
    // binary search over the sorted symbol values (skipped while consecutive events share a symbol).
    private sealed class RoutingTable
    {
        public static readonly RoutingTable Empty = new([], 1);
        private readonly int[] _values;
        private readonly int[] _shardOfValue;
        private readonly int[] _starts;
        private readonly int _shards;

        private RoutingTable(SymbolCode[] symbols, int shards)
        {
            _shards = shards;
            _starts = new int[shards + 1];
            int per = (symbols.Length + shards - 1) / Math.Max(1, shards);
            for (int s = 0; s <= shards; s++) _starts[s] = Math.Min(symbols.Length, s * per);
            _values = Array.ConvertAll(symbols, s => s.Value);
            _shardOfValue = new int[symbols.Length];
            for (int s = 0; s < shards; s++) _shardOfValue.AsSpan(_starts[s], _starts[s + 1] - _starts[s]).Fill(s);
            Array.Sort(_values, _shardOfValue);
        }

        public static RoutingTable For(SymbolCode[] symbols, int shards) => new(symbols, shards);

        public SymbolCode[] SymbolsOf(SymbolCode[] symbols, int shard) => symbols[_starts[shard].._starts[shard + 1]];

        /// <summary>Each shard's events in arrival order (null: none); the batch itself when it all belongs to one shard.</summary>
        public TickEvent[]?[] Split(TickEvent[] events)
        {
            Span<int> counts = stackalloc int[_shards];
            int lastValue = int.MinValue, lastShard = 0;
            foreach (ref readonly var e in events.AsSpan())
            {
                if (e.Symbol != lastValue) lastShard = ShardOf(lastValue = e.Symbol);
                counts[lastShard]++;
            }
            var parts = new TickEvent[]?[_shards];
            // All of one shard (the usual case for a replay, whose batches run in symbol order): no copy.
            if (counts[lastShard] == events.Length)
            {
                parts[lastShard] = events;
                return parts;
            }
            for (int s = 0; s < _shards; s++) if (counts[s] > 0) parts[s] = new TickEvent[counts[s]];
            counts.Clear();
            lastValue = int.MinValue;
            foreach (ref readonly var e in events.AsSpan())
            {
                if (e.Symbol != lastValue) lastShard = ShardOf(lastValue = e.Symbol);
                parts[lastShard]![counts[lastShard]++] = e;
            }
            return parts;
        }

        private int ShardOf(int symbol)
        {
            int i = Array.BinarySearch(_values, symbol);
            return i < 0 ? 0 : _shardOfValue[i];
        }
    }
}

/// <summary>Consecutive inputs of the source, in order: what the source stream hands the router in one message.</summary>
internal sealed record SourceBatch(List<MarketInput> Inputs);
