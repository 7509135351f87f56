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
/// one symbol's minute step (a minute's events applied, then the as-of evaluation).
/// </summary>
[MemoryDiagnoser]
public class FactorCoreBenchmarks
{
    private const int DayEvents = 20_000;
    private static readonly FactorSettings Settings = new(1.0, 0);
    private readonly IntradayFactorEvaluator _evaluator = new();
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
        _evaluator.Evaluate(_fullDay, SessionBars.BarsPerDay, Settings, _row);
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

    /// <summary>θ from the exact moments and the big-order sums over a full day's parent orders.</summary>
    [Benchmark]
    public long ThetaQuery()
    {
        var book = _fullDay.Orders;
        var theta = new BigOrderThreshold(book.Count, book.SizeSum, book.SizeSquareSum, Settings.StdMultiple, Settings.MinAmountTicks);
        return book.SumBig(in theta).Amount;
    }

    /// <summary>One symbol's minute step: the minute's events applied and the 27 factors evaluated, averaged over the 240 minutes.</summary>
    [Benchmark(OperationsPerInvoke = SessionBars.BarsPerDay)]
    public double MinuteStep()
    {
        _state.Clear();
        for (int m = 1; m <= SessionBars.BarsPerDay; m++)
        {
            _state.Apply(_day.AsSpan(_minuteStarts[m], _minuteStarts[m + 1] - _minuteStarts[m]));
            _evaluator.Evaluate(_state, m, Settings, _row);
        }
        return _row[0];
    }
}
