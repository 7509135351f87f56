using System.Runtime.CompilerServices;
using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors.Intraday;
using Sig.Engine.Journal;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Engine.Time;
using Sig.Gpu;
using Sig.Factors.Compute;
using Sig.Factors.Cpu;

namespace Sig.Actors.Tests.Pipeline;

/// <summary>A source over a fixed list of inputs (what a live feed would have delivered).</summary>
public sealed class ListSource(IEnumerable<MarketInput> inputs) : IMarketEventSource
{
    public string Name => "list";

    public async IAsyncEnumerable<MarketInput> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var input in inputs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return input;
        }
        await Task.CompletedTask;
    }
}

/// <summary>Runs sources through pipelines and builds live-like input sequences.</summary>
public static class PipelineKit
{
    public static (MarketPipeline Pipeline, List<MinuteOutput> Outputs) Run(IMarketEventSource source, int shards = 2,
        IComputeBackend? backend = null, ActorOptions? actors = null, BigOrderOptions? bigOrder = null,
        IDailyFactorSink? dailyStore = null, IReadOnlyList<ICloseStage>? closeStages = null)
    {
        using var owned = backend is null ? new CpuComputeBackend(1) : null;
        var pipeline = new MarketPipeline(bigOrder ?? new BigOrderOptions(), backend ?? owned!, shards, actors,
            dailyStore: dailyStore, closeStages: closeStages);
        var outputs = new List<MinuteOutput>();
        pipeline.Outputs.Subscribe(outputs.Add);
        pipeline.RunAsync(source).GetAwaiter().GetResult();
        return (pipeline, outputs);
    }

    public static StoreEventSource Store(IDayEvents day) => new([day.Date], _ => day);

    /// <summary>All symbols' events in exchange-time order (each symbol in seq order).</summary>
    public static List<TickEvent> Interleaved(IDayEvents day)
    {
        var all = new List<TickEvent>();
        for (int i = 0; i < day.SymbolCount; i++)
        {
            var events = new TickEvent[day.EventCount(i)];
            day.ReadEvents(i, 0, events);
            all.AddRange(events);
        }
        return all.OrderBy(e => e.Time).ThenBy(e => e.Symbol).ThenBy(e => e.Seq).ToList();
    }

    /// <summary>A day as a live feed delivers it: random-sized single-symbol batches in time order, a clock before each batch, the final close.</summary>
    public static List<MarketInput> LiveInputs(IDayEvents day, IEnumerable<SymbolCode> universe, int seed)
    {
        var rng = new Random(seed);
        var events = Interleaved(day);
        var inputs = new List<MarketInput> { MarketInput.DayStart(day.Date, universe) };
        for (int k = 0; k < events.Count;)
        {
            int end = k + 1, max = rng.Next(1, 20);
            while (end < events.Count && end - k < max && events[end].Symbol == events[k].Symbol) end++;
            inputs.Add(MarketInput.Clock(day.Date, events[k].Time));
            inputs.Add(MarketInput.Ticks(day.Date, events.GetRange(k, end - k).ToArray()));
            k = end;
        }
        inputs.Add(MarketInput.Clock(day.Date, SessionBars.CloseTimeOf(SessionBars.BarsPerDay)));
        return inputs;
    }

    /// <summary>Writes inputs to a journal as the live source does (one record each).</summary>
    public static void Journal(string dir, IEnumerable<MarketInput> inputs)
    {
        using var journal = JournalWriter.Open(dir, new JournalOptions());
        foreach (var input in inputs) journal.Append(MarketJournalCodec.TypeOf(input), MarketJournalCodec.Encode(input));
    }
}

/// <summary>A backend that throws on chosen evaluations (then behaves): exercises supervision restarts.</summary>
public sealed class FlakyBackend(IComputeBackend inner, Func<int, int, bool> failOnCall) : IComputeBackend
{
    private int _calls, _failures;

    public string Name => inner.Name;

    public int VectorWidth => inner.VectorWidth;

    public int Failures => Volatile.Read(ref _failures);

    public IShardFactorState CreateShard(FactorSettings settings, BigOrderSizing sizing) => new Shard(this, inner.CreateShard(settings, sizing));

    public void Dispose() => inner.Dispose();

    private void MaybeFail(int minute)
    {
        int call = Interlocked.Increment(ref _calls);
        if (!failOnCall(call, minute)) return;
        Interlocked.Increment(ref _failures);
        throw new InvalidOperationException($"injected failure at minute {minute}");
    }

    private sealed class Shard(FlakyBackend owner, IShardFactorState inner) : IShardFactorState
    {
        public int SymbolCount => inner.SymbolCount;
        public void BeginDay(ReadOnlySpan<SymbolCode> symbols) => inner.BeginDay(symbols);
        public void Apply(ReadOnlySpan<TickEvent> events, ReadOnlySpan<int> symbols) => inner.Apply(events, symbols);

        public int Evaluate(int minute, Span<double> rows, Span<int> changed)
        {
            owner.MaybeFail(minute);
            return inner.Evaluate(minute, rows, changed);
        }

        public bool RecordMinutes() => inner.RecordMinutes();

        // Minute 0: a symbol's day completing (a replay read symbol by symbol).
        public void CompleteDay(int symbol)
        {
            owner.MaybeFail(0);
            inner.CompleteDay(symbol);
        }

        public long LastSeq(int symbol) => inner.LastSeq(symbol);
        public Sig.Factors.Daily.RawDailyBar? DailyBar(int symbol) => inner.DailyBar(symbol);
        public IShardFactorState Copy(IShardFactorState? into = null) => new Shard(owner, inner.Copy((into as Shard)?.Inner));

        private IShardFactorState Inner => inner;
    }
}
