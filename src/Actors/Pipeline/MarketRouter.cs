using Sig.Actors.Runtime;
using Sig.Engine.Events;

namespace Sig.Actors.Pipeline;

/// <summary>
/// The Router actor: at a day start it splits the ascending universe into contiguous symbol
/// ranges, one per shard (so merging shard outputs is concatenation in shard order); then it
/// sends each shard the events of its symbols, in arrival order, and every clock to every
/// shard. Events of unknown symbols and rejected rows go to shard 0, which counts them.
/// </summary>
internal sealed class MarketRouter(IReadOnlyList<ActorRef<MarketInput>> shards) : IActorBehavior<MarketInput>, ISnapshotable
{
    private RoutingTable _table = RoutingTable.Empty;

    public async ValueTask HandleAsync(MarketInput input, ActorContext context)
    {
        switch (input.Kind)
        {
            case MarketInputKind.DayStart:
                _table = RoutingTable.For(input.Symbols, shards.Count);
                context.RequestSnapshot();
                for (int s = 0; s < shards.Count; s++)
                    await shards[s].SendAsync(MarketInput.DayStart(input.Date, _table.SymbolsOf(input.Symbols, s), input.SourceSeq)).ConfigureAwait(false);
                break;
            case MarketInputKind.Ticks:
                if (shards.Count == 1) { await shards[0].SendAsync(input).ConfigureAwait(false); break; }
                var parts = _table.Split(input.Events);
                for (int s = 0; s < parts.Length; s++)
                    if (parts[s] is { Length: > 0 } part)
                        await shards[s].SendAsync(MarketInput.Ticks(input.Date, part, input.SourceSeq)).ConfigureAwait(false);
                break;
            case MarketInputKind.Clock:
                foreach (var shard in shards) await shard.SendAsync(input).ConfigureAwait(false);
                break;
            default:
                await shards[0].SendAsync(input).ConfigureAwait(false);
                break;
        }
    }

    // The table is immutable once built, so the snapshot is the reference itself.
    public object Snapshot() => _table;

    public void Restore(object? snapshot) => _table = (RoutingTable?)snapshot ?? RoutingTable.Empty;

    private sealed class RoutingTable
    {
        public static readonly RoutingTable Empty = new([], 1);
        private readonly Dictionary<int, int> _shardOf = [];
        private readonly int[] _starts;
        private readonly int _shards;

        private RoutingTable(SymbolCode[] symbols, int shards)
        {
            _shards = shards;
            _starts = new int[shards + 1];
            int per = (symbols.Length + shards - 1) / Math.Max(1, shards);
            for (int s = 0; s <= shards; s++) _starts[s] = Math.Min(symbols.Length, s * per);
            for (int s = 0; s < shards; s++)
                for (int i = _starts[s]; i < _starts[s + 1]; i++) _shardOf[symbols[i].Value] = s;
        }

        public static RoutingTable For(SymbolCode[] symbols, int shards) => new(symbols, shards);

        public SymbolCode[] SymbolsOf(SymbolCode[] symbols, int shard) => symbols[_starts[shard].._starts[shard + 1]];

        public TickEvent[]?[] Split(TickEvent[] events)
        {
            Span<int> counts = stackalloc int[_shards];
            foreach (ref readonly var e in events.AsSpan()) counts[ShardOf(e.Symbol)]++;
            var parts = new TickEvent[]?[_shards];
            for (int s = 0; s < _shards; s++) if (counts[s] > 0) parts[s] = new TickEvent[counts[s]];
            counts.Clear();
            foreach (ref readonly var e in events.AsSpan())
            {
                int s = ShardOf(e.Symbol);
                parts[s]![counts[s]++] = e;
            }
            return parts;
        }

        private int ShardOf(int symbol) => _shardOf.TryGetValue(symbol, out int s) ? s : 0;
    }
}
