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
/// windows have room.
/// </summary>
internal sealed class MarketRouter(StageMemory memory) : PipelineStage<SourceBatch>(memory), ISnapshotable
{
    private readonly List<(int Shard, MarketInput Input)> _routed = [];
    private RoutingTable _table = RoutingTable.Empty;

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
        int shards = Downstreams;
        switch (input.Kind)
        {
            case MarketInputKind.DayStart:
                _table = RoutingTable.For(input.Symbols, shards);
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
                break;
            default:
                _routed.Add((0, input));
                break;
        }
    }

    // The table is immutable once built, so the snapshot is the reference itself.
    public object Snapshot() => _table;

    public void Restore(object? snapshot) => _table = (RoutingTable?)snapshot ?? RoutingTable.Empty;

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
