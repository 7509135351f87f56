using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Time;
using Sig.Factors;
using Sig.Factors.Compute;
using Sig.Factors.Cpu;

namespace Sig.Benchmarks;

/// <summary>
/// The minute step of a shard of many symbols, at the 5000 × 2000 shape per symbol (2,000 events
/// a day, ≈ 8 a minute): every minute each symbol's events are applied and the shard evaluated,
/// with a copy-on-write snapshot every 30 minutes as a shard takes them. Unlike the one-symbol
/// <see cref="FactorCoreBenchmarks.MinuteStep"/>, whose state stays in the cache, the states here
/// do not fit in it, so each symbol's evaluation pays the memory reads of its state — the cost
/// the 5000-symbol profile shows. Per symbol-minute; a whole day per invocation, timed by thread CPU.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShardDayConfig))]
public class ShardMinuteStepBenchmarks
{
    private const int Symbols = 1000;
    private const int EventsPerSymbolDay = 2000;
    private const int SnapshotEveryMinutes = 30;
    private static readonly FactorSettings Settings = new(1.0, 0);
    private readonly TickEvent[][] _minuteEvents = new TickEvent[SessionBars.BarsPerDay + 1][];
    private readonly int[][] _minuteSymbols = new int[SessionBars.BarsPerDay + 1][];
    private SymbolCode[] _symbols = [];
    private double[] _rows = [];
    private int[] _changed = [];
    private CpuShardState _shard = null!;
    private IShardFactorState? _snapshot;

    /// <summary>A whole day per invocation: one invocation per iteration, no unrolling.</summary>
    private sealed class ShardDayConfig : ManualConfig
    {
        public ShardDayConfig() =>
            AddJob(Job.Default.WithClock(new ThreadCpuClock()).WithToolchain(InProcessEmitToolchain.Instance)
                .WithWarmupCount(1).WithIterationCount(6).WithInvocationCount(1).WithUnrollFactor(1).WithId("ShardDay"));
    }

    [GlobalSetup]
    public void Setup()
    {
        var days = new TickEvent[Symbols][];
        for (int i = 0; i < Symbols; i++) days[i] = SyntheticDay.Make(100 + i, EventsPerSymbolDay, orders: 400);
        var cursor = new int[Symbols];
        for (int m = 1; m <= SessionBars.BarsPerDay; m++)
        {
            // A minute's events in symbol order, as the store source hands them to a shard.
            var events = new List<TickEvent>();
            var symbols = new List<int>();
            for (int i = 0; i < Symbols; i++)
                for (; cursor[i] < days[i].Length && SessionBars.BarOf(days[i][cursor[i]].Time) <= m; cursor[i]++)
                {
                    events.Add(days[i][cursor[i]]);
                    symbols.Add(i);
                }
            _minuteEvents[m] = [.. events];
            _minuteSymbols[m] = [.. symbols];
        }
        _symbols = Enumerable.Range(0, Symbols).Select(i => new SymbolCode(SyntheticDay.Symbol.Value + i)).ToArray();
        _rows = new double[Symbols * FactorCatalog.Count];
        _changed = new int[Symbols];
        _shard = new CpuShardState(Settings, BigOrderSizing.Filled, 1);
    }

    /// <summary>A day of a 1,000-symbol shard: apply and evaluate every minute, snapshots every 30 minutes; per symbol-minute.</summary>
    [Benchmark(OperationsPerInvoke = Symbols * SessionBars.BarsPerDay)]
    public int ShardDay()
    {
        _shard.BeginDay(_symbols);
        _rows.AsSpan().Fill(double.NaN);
        int changed = 0;
        for (int m = 1; m <= SessionBars.BarsPerDay; m++)
        {
            _shard.Apply(_minuteEvents[m], _minuteSymbols[m]);
            changed += _shard.Evaluate(m, _rows, _changed);
            if (m % SnapshotEveryMinutes == 0) _snapshot = _shard.Copy(_snapshot);
        }
        return changed;
    }
}
