using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Factors.Intraday;
using Sig.Engine.Time;
using Sig.Factors.Cpu;
using Xunit;
using Sig.Factors.Compute;

namespace Sig.Factors.Tests.Cpu;

/// <summary>Feeding events into a state and evaluating it, as the engine does minute by minute.</summary>
public static class FactorTestKit
{
    public static readonly FactorSettings Default = new(1.0, 0);

    /// <summary>A fresh state fed the events of bars 1..m, evaluated as of m.</summary>
    public static double[] FromScratch(IReadOnlyList<TickEvent> events, int m, FactorSettings? settings = null, BigOrderSizing sizing = BigOrderSizing.Filled)
    {
        var s = new SymbolDayState(RandomDay.Symbol, sizing);
        foreach (var e in events) if (SessionBars.BarOf(e.Time) <= m) s.Apply(e);
        return Evaluate(s, m, settings ?? Default);
    }

    /// <summary>Evaluates <paramref name="s"/> as of m with a fresh fold (bars 1..m folded at once).</summary>
    public static double[] Evaluate(SymbolDayState s, int m, FactorSettings settings) => Evaluate(s, new MinuteBarFold(), m, settings);

    /// <summary>Evaluates <paramref name="s"/> as of m with <paramref name="fold"/> (folded on from where it stands).</summary>
    public static double[] Evaluate(SymbolDayState s, MinuteBarFold fold, int m, FactorSettings settings)
    {
        var v = new double[FactorCatalog.Count];
        new IntradayFactorEvaluator().Evaluate(s, fold, m, settings, v);
        return v;
    }

    /// <summary>Runs the day minute by minute; returns the as-of values of every minute.</summary>
    public static double[][] Incremental(IReadOnlyList<TickEvent> events, FactorSettings? settings = null)
    {
        var s = new SymbolDayState(RandomDay.Symbol);
        var fold = new MinuteBarFold();
        var ev = new IntradayFactorEvaluator();
        var result = new double[241][];
        int next = 0;
        for (int m = 1; m <= 240; m++)
        {
            while (next < events.Count && SessionBars.BarOf(events[next].Time) <= m) s.Apply(events[next++]);
            result[m] = new double[FactorCatalog.Count];
            ev.Evaluate(s, fold, m, settings ?? Default, result[m]);
        }
        return result;
    }

    public static void AssertClose(double[] expected, double[] actual, string context)
    {
        for (int f = 0; f < FactorCatalog.Count; f++)
        {
            double e = expected[f], a = actual[f];
            if (double.IsNaN(e) || double.IsNaN(a))
            {
                Assert.True(double.IsNaN(e) && double.IsNaN(a), $"{context}: {FactorCatalog.Names[f]} expected {e} got {a}");
                continue;
            }
            Assert.True(Math.Abs(e - a) <= 1e-9 * Math.Max(1, Math.Abs(e)), $"{context}: {FactorCatalog.Names[f]} expected {e:R} got {a:R}");
        }
    }

    public static void AssertBitIdentical(double[] expected, double[] actual, string context)
    {
        for (int f = 0; f < FactorCatalog.Count; f++)
            Assert.True(BitConverter.DoubleToInt64Bits(expected[f]) == BitConverter.DoubleToInt64Bits(actual[f]),
                $"{context}: {FactorCatalog.Names[f]} {expected[f]:R} vs {actual[f]:R}");
    }

    /// <summary>
    /// Applies bar <paramref name="bar"/>'s events of every symbol-day in <paramref name="days"/> (index
    /// = symbol) to a shard state in one batch, as a shard gets a minute; <paramref name="keep"/> drops events.
    /// </summary>
    public static void FeedBar(IShardFactorState state, List<TickEvent>[] days, int bar, Func<int, TickEvent, bool>? keep = null)
    {
        var events = new List<TickEvent>();
        var indexes = new List<int>();
        for (int i = 0; i < days.Length; i++)
            foreach (var e in days[i])
                if (SessionBars.BarOf(e.Time) == bar && (keep?.Invoke(i, e) ?? true)) { events.Add(e); indexes.Add(i); }
        state.Apply(events.ToArray(), indexes.ToArray());
    }
}
