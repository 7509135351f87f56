using BenchmarkDotNet.Attributes;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Factors.Intraday;
using Sig.Engine.Time;
using Sig.Gpu;
using Sig.Factors.Compute;
using Sig.Factors.Cpu;

namespace Sig.Benchmarks;

/// <summary>
/// The factor core's hot parts: applying one fill, the θ query over a day's parent orders, and
/// one symbol's minute step (a minute's events applied, then the as-of evaluation). Timed by
/// thread CPU in process (<see cref="ThreadCpuTimeConfig"/>: run without <c>--inProcess</c>): on
/// the shared box wall time measured the other processes (a cached θ query read 1.9 ± 1.4 µs).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThreadCpuTimeConfig))]
public class FactorCoreBenchmarks
{
    private const int DayEvents = 20_000;
    private static readonly FactorSettings Settings = new(1.0, 0);
    private readonly IntradayFactorEvaluator _evaluator = new();
    private readonly MinuteBarFold _fold = new();
    private readonly double[] _row = new double[FactorCatalog.Count];
    private TickEvent[] _day = [];
    private TickEvent[] _fills = [];
    private int[] _minuteStarts = [];
    private SymbolDayState _state = null!;
    private SymbolDayState _fullDay = null!;

    [GlobalSetup]
    public void Setup()
    {
        _day = SyntheticDay.Make(1, DayEvents, orders: 4000);
        _fills = _day.Where(e => e.IsFill).ToArray();
        _minuteStarts = new int[SessionBars.BarsPerDay + 2];
        for (int m = 1, k = 0; m <= SessionBars.BarsPerDay + 1; m++)
        {
            while (k < _day.Length && SessionBars.BarOf(_day[k].Time) < m) k++;
            _minuteStarts[m] = k;
        }
        _minuteStarts[SessionBars.BarsPerDay + 1] = _day.Length;
        _state = new SymbolDayState(SyntheticDay.Symbol);
        _fullDay = new SymbolDayState(SyntheticDay.Symbol);
        _fullDay.Apply(_day);
        _evaluator.Evaluate(_fullDay, new MinuteBarFold(), SessionBars.BarsPerDay, Settings, _row);
    }

    /// <summary>Applying one fill (bars, two parent orders, their buckets), averaged over a day's fills.</summary>
    [Benchmark(OperationsPerInvoke = 12_000)]
    public long ApplyFill()
    {
        _state.Clear();
        var fills = _fills.AsSpan(0, Math.Min(12_000, _fills.Length));
        foreach (ref readonly var e in fills) _state.Apply(in e);
        return _state.Version;
    }

    /// <summary>
    /// Applying a day's events (orders, fills, cancels) as a shard does: each minute's events of the
    /// symbol as one run; per event. <see cref="ApplyFill"/> hands the state one event at a time.
    /// </summary>
    [Benchmark(OperationsPerInvoke = DayEvents)]
    public long ApplyDayInMinuteRuns()
    {
        _state.Clear();
        for (int m = 1; m <= SessionBars.BarsPerDay; m++)
            _state.Apply(_day.AsSpan(_minuteStarts[m], _minuteStarts[m + 1] - _minuteStarts[m]));
        return _state.Version;
    }

    /// <summary>θ from the exact moments and the big-order sums over a full day's parent orders.</summary>
    [Benchmark]
    public long ThetaQuery()
    {
        var book = _fullDay.Orders;
        var theta = new BigOrderThreshold(book.Count, book.SizeSum, book.SizeSquareSum, Settings.StdMultiple, Settings.MinAmountTicks);
        return book.SumBig(in theta).Amount;
    }

    /// <summary>
    /// The θ query when θ moved to other buckets since the last one (two thresholds in turn): the
    /// cached suffix is walked by the buckets between them and θ's buckets are scanned afresh —
    /// the path after a minute whose fills moved θ across a bucket edge. <see cref="ThetaQuery"/>,
    /// asked with one θ again and again, is the path of a minute whose fills missed θ's buckets.
    /// </summary>
    [Benchmark(OperationsPerInvoke = 2)]
    public long ThetaQueryMovingTheta()
    {
        var book = _fullDay.Orders;
        var near = new BigOrderThreshold(book.Count, book.SizeSum, book.SizeSquareSum, Settings.StdMultiple, Settings.MinAmountTicks);
        var far = new BigOrderThreshold(book.Count, book.SizeSum, book.SizeSquareSum, Settings.StdMultiple + 1.5, Settings.MinAmountTicks);
        return book.SumBig(in near).Amount + book.SumBig(in far).Amount;
    }

    /// <summary>One symbol's minute step: the minute's events applied and the 27 factors evaluated, averaged over the 240 minutes.</summary>
    [Benchmark(OperationsPerInvoke = SessionBars.BarsPerDay)]
    public double MinuteStep()
    {
        _state.Clear();
        _fold.Reset();
        for (int m = 1; m <= SessionBars.BarsPerDay; m++)
        {
            _state.Apply(_day.AsSpan(_minuteStarts[m], _minuteStarts[m + 1] - _minuteStarts[m]));
            _evaluator.Evaluate(_state, _fold, m, Settings, _row);
        }
        return _row[0];
    }

    /// <summary>
    /// One symbol's minute with a supervision snapshot every minute, as a shard takes them: the
    /// snapshot keeps the state, and the live side clones it copy-on-write before its first
    /// write (bars shared in chunks, the order book forked: only the rows, index pages and
    /// bucket-sum octaves the minute writes get copied), then the minute's events are applied;
    /// averaged over the 240 minutes. Compare with <see cref="MinuteStep"/>'s apply part.
    /// </summary>
    [Benchmark(OperationsPerInvoke = SessionBars.BarsPerDay)]
    public long MinuteWithSnapshot()
    {
        _state.Clear();
        var live = _state;
        for (int m = 1; m <= SessionBars.BarsPerDay; m++)
        {
            _snapshot = live;
            live = live.Clone();
            live.Apply(_day.AsSpan(_minuteStarts[m], _minuteStarts[m + 1] - _minuteStarts[m]));
        }
        return _snapshot.Version + live.Version;
    }

    /// <summary>
    /// A shard's supervision snapshot (<see cref="CpuShardState.Copy"/>) of <see cref="ShardSymbols"/>
    /// symbols in the middle of a busy day, followed by the next minute's events (one per symbol
    /// here): the snapshot itself is O(symbols) references, and each symbol's first write after it
    /// pays the copy-on-write clone. Per snapshot.
    /// </summary>
    [Benchmark]
    public int ShardSnapshotAndNextMinute()
    {
        _shardSnapshot = _shard.Copy(_shardSnapshot);
        _shard.Apply(_nextMinute, _nextMinuteSymbols);
        return _shard.SymbolCount;
    }

    private const int ShardSymbols = 500;
    private CpuShardState _shard = null!;
    private IShardFactorState? _shardSnapshot;
    private TickEvent[] _nextMinute = [];
    private int[] _nextMinuteSymbols = [];
    private SymbolDayState _snapshot = null!;

    [GlobalSetup(Target = nameof(ShardSnapshotAndNextMinute))]
    public void SetupShard()
    {
        Setup();
        _shard = new CpuShardState(Settings, Sig.Engine.Config.BigOrderSizing.Filled, 1);
        var symbols = Enumerable.Range(0, ShardSymbols).Select(i => new SymbolCode(SyntheticDay.Symbol.Value + i)).ToArray();
        _shard.BeginDay(symbols);
        // Every symbol gets the morning of the synthetic day (bars 1..120).
        int noon = _minuteStarts[121];
        var indices = new int[noon];
        for (int i = 0; i < ShardSymbols; i++)
        {
            Array.Fill(indices, i);
            _shard.Apply(_day.AsSpan(0, noon), indices);
        }
        // The next minute: the first fill of bar 121 for every symbol (fills of later seq, one order each).
        var fill = _day.Skip(noon).First(e => e.IsFill);
        _nextMinute = Enumerable.Repeat(fill, ShardSymbols).ToArray();
        _nextMinuteSymbols = Enumerable.Range(0, ShardSymbols).ToArray();
    }
}
