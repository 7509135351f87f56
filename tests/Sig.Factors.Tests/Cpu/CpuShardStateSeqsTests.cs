using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Time;
using Sig.Factors.Compute;
using Sig.Factors.Cpu;
using Xunit;
using static Sig.Factors.Tests.Cpu.FactorTestKit;

namespace Sig.Factors.Tests.Cpu;

/// <summary>
/// The evaluation that hands back the symbols' last seqs as it evaluates
/// (<see cref="IShardFactorState.Evaluate(int, Span{double}, Span{int}, Span{long})"/>): the rows,
/// changed list and seqs of an evaluation followed by <see cref="IShardFactorState.LastSeq"/> per
/// symbol, minute by minute, at a by-symbol day's close (symbols completed early) and from
/// recorded minutes.
/// </summary>
public class CpuShardStateSeqsTests
{
    private const int W = FactorCatalog.Count;

    private static (SymbolCode[] Symbols, List<TickEvent>[] Days) Market(int n)
    {
        var symbols = Enumerable.Range(0, n).Select(i => SymbolCode.FromParts(1 + i, "SZ")).ToArray();
        var days = Enumerable.Range(0, n).Select(i =>
        {
            var day = RandomDay.Make(300 + i, i % 4 == 3 ? 0 : 200 + 50 * i, sparse: i % 3 == 1);
            if (i == 5) day = day.Where(e => e.Kind == TickKind.Order).ToList(); // orders only: never a row
            return day.Select(e => { e.Symbol = symbols[i].Value; return e; }).ToList();
        }).ToArray();
        return (symbols, days);
    }

    private static (double[] Rows, int[] Changed, long[] Seqs) Reference(IShardFactorState state, int m, double[] rows)
    {
        var changed = new int[state.SymbolCount];
        int count = state.Evaluate(m, rows, changed);
        return ((double[])rows.Clone(), changed[..count], Enumerable.Range(0, state.SymbolCount).Select(state.LastSeq).ToArray());
    }

    private static (double[] Rows, int[] Changed, long[] Seqs) WithSeqs(IShardFactorState state, int m, double[] rows)
    {
        var changed = new int[state.SymbolCount];
        var seqs = Enumerable.Repeat(-7L, state.SymbolCount + 2).ToArray();
        int count = state.Evaluate(m, rows, changed, seqs);
        Assert.Equal([-7L, -7L], seqs[^2..]); // only the first SymbolCount slots are written
        return ((double[])rows.Clone(), changed[..count], seqs[..^2]);
    }

    private static void AssertSame((double[] Rows, int[] Changed, long[] Seqs) expected, (double[] Rows, int[] Changed, long[] Seqs) actual, string context)
    {
        AssertBitIdentical(expected.Rows, actual.Rows, context);
        Assert.Equal(expected.Changed, actual.Changed);
        Assert.Equal(expected.Seqs, actual.Seqs);
    }

    // Each symbol's whole day in one run, symbol by symbol, completing those `complete` names.
    private static void ApplyBySymbol(IShardFactorState state, List<TickEvent>[] days, Func<int, bool> complete)
    {
        for (int i = 0; i < days.Length; i++)
        {
            state.Apply([.. days[i]], Enumerable.Repeat(i, days[i].Count).ToArray());
            if (complete(i)) state.CompleteDay(i);
        }
    }

    private static double[] NaNRows(int n) => Enumerable.Repeat(double.NaN, n * W).ToArray();

    [Fact]
    public void Minute_by_minute_the_seqs_are_those_of_the_evaluation()
    {
        var (symbols, days) = Market(8);
        using var backend = new CpuComputeBackend(1);
        var (a, b) = (backend.CreateShard(Default, BigOrderSizing.Filled), backend.CreateShard(Default, BigOrderSizing.Filled));
        a.BeginDay(symbols);
        b.BeginDay(symbols);
        var (rowsA, rowsB) = (NaNRows(8), NaNRows(8));
        for (int m = 1; m <= SessionBars.BarsPerDay; m++)
        {
            FeedBar(a, days, m);
            FeedBar(b, days, m);
            AssertSame(Reference(a, m, rowsA), WithSeqs(b, m, rowsB), $"minute {m}");
        }
    }

    [Fact]
    public void At_a_by_symbol_days_close_completed_symbols_give_their_seqs()
    {
        var (symbols, days) = Market(8);
        using var backend = new CpuComputeBackend(1);
        var (a, b) = (backend.CreateShard(Default, BigOrderSizing.Filled), backend.CreateShard(Default, BigOrderSizing.Filled));
        foreach (var state in new[] { a, b })
        {
            state.BeginDayBySymbol(symbols);
            ApplyBySymbol(state, days, complete: i => i % 2 == 0); // half completed early, half evaluated at the close
        }
        AssertSame(Reference(a, SessionBars.BarsPerDay, NaNRows(8)), WithSeqs(b, SessionBars.BarsPerDay, NaNRows(8)), "close");
    }

    [Fact]
    public void Recorded_minutes_give_the_seqs_of_each_minute()
    {
        var (symbols, days) = Market(8);
        using var backend = new CpuComputeBackend(1);
        var (a, b) = (backend.CreateShard(Default, BigOrderSizing.Filled), backend.CreateShard(Default, BigOrderSizing.Filled));
        foreach (var state in new[] { a, b })
        {
            state.BeginDay(symbols);
            Assert.True(state.RecordMinutes());
            ApplyBySymbol(state, days, complete: _ => true);
        }
        var (rowsA, rowsB) = (NaNRows(8), NaNRows(8));
        for (int m = 1; m <= SessionBars.BarsPerDay; m++) AssertSame(Reference(a, m, rowsA), WithSeqs(b, m, rowsB), $"recorded minute {m}");
    }
}
