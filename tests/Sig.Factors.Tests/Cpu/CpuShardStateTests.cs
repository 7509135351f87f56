using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Engine.Time;
using Sig.Factors.Cpu;
using Xunit;
using Sig.Factors.Compute;
using static Sig.Factors.Tests.Cpu.FactorTestKit;

namespace Sig.Factors.Tests.Cpu;

/// <summary>The CPU backend's shard state: rows equal per-symbol recomputes, changed rows reported, copies reused.</summary>
public class CpuShardStateTests
{
    private const int W = FactorCatalog.Count;

    private static (SymbolCode[] Symbols, List<TickEvent>[] Days) Market()
    {
        var symbols = new[] { SymbolCode.FromParts(1, "SZ"), SymbolCode.FromParts(2, "SZ"), SymbolCode.FromParts(600000, "SH") };
        var days = new List<TickEvent>[3];
        days[0] = RandomDay.Make(31, 700);
        days[1] = RandomDay.Make(32, 300, sparse: true);
        days[2] = RandomDay.Make(33, 40).Where(e => e.Kind == TickKind.Order).ToList(); // orders only: never a fill
        for (int i = 0; i < 3; i++) days[i] = days[i].Select(e => { e.Symbol = symbols[i].Value; return e; }).ToList();
        return (symbols, days);
    }

    private static void Feed(IShardFactorState state, List<TickEvent>[] days, int fromBar, int toBar)
    {
        for (int i = 0; i < days.Length; i++)
        {
            var batch = days[i].Where(e => SessionBars.BarOf(e.Time) >= fromBar && SessionBars.BarOf(e.Time) <= toBar).ToArray();
            state.Apply(batch, Enumerable.Repeat(i, batch.Length).ToArray());
        }
    }

    [Fact]
    public void Rows_equal_a_recompute_per_symbol_and_only_symbols_with_fills_change()
    {
        var (symbols, days) = Market();
        using var backend = new CpuComputeBackend(1);
        var state = backend.CreateShard(Default, BigOrderSizing.Filled);
        state.BeginDay(symbols);
        var rows = Enumerable.Repeat(double.NaN, 3 * W).ToArray();
        var changed = new int[3];
        for (int m = 1; m <= 240; m++)
        {
            Feed(state, days, m, m);
            int n = state.Evaluate(m, rows, changed);
            for (int i = 0; i < 3; i++)
                AssertBitIdentical(FromScratch(days[i], m), rows.AsSpan(i * W, W).ToArray(), $"symbol {i} m {m}");
            Assert.DoesNotContain(2, changed.AsSpan(0, n).ToArray());
            if (m >= 240) Assert.Equal([0, 1], changed.AsSpan(0, n).ToArray());
        }
    }

    [Fact]
    public void Parallel_evaluation_gives_the_rows_and_changes_of_one_thread_with_copies_between()
    {
        // 300 symbols (the parallel path starts at 256), copies every 20 minutes so that the workers
        // also clone shared states: every minute's rows equal the one-thread rows bit for bit.
        const int n = 300;
        var symbols = Enumerable.Range(0, n).Select(i => SymbolCode.FromParts(1 + i, "SZ")).ToArray();
        var days = Enumerable.Range(0, n).Select(i =>
            RandomDay.Make(100 + i, i % 5 == 0 ? 0 : 150, sparse: i % 3 == 0).Select(e => { e.Symbol = symbols[i].Value; return e; }).ToList()).ToArray();
        using var serial = new CpuComputeBackend(1);
        using var parallel = new CpuComputeBackend(3);
        var a = serial.CreateShard(Default, BigOrderSizing.Filled);
        var b = parallel.CreateShard(Default, BigOrderSizing.Filled);
        a.BeginDay(symbols);
        b.BeginDay(symbols);
        var rowsA = Enumerable.Repeat(double.NaN, n * W).ToArray();
        var rowsB = (double[])rowsA.Clone();
        var changedA = new int[n];
        var changedB = new int[n];
        IShardFactorState? copyA = null, copyB = null;
        int traded = 0;
        for (int m = 1; m <= 240; m++)
        {
            Feed(a, days, m, m);
            Feed(b, days, m, m);
            int ca = a.Evaluate(m, rowsA, changedA), cb = b.Evaluate(m, rowsB, changedB);
            Assert.Equal(changedA.AsSpan(0, ca).ToArray(), changedB.AsSpan(0, cb).ToArray());
            Assert.True(rowsA.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(rowsB.Select(BitConverter.DoubleToInt64Bits)), $"m {m}");
            if (m % 20 == 0) { copyA = a.Copy(copyA); copyB = b.Copy(copyB); }
            traded = ca;
        }
        Assert.True(traded > 200, $"only {traded} symbols traded");
    }

    [Fact]
    public void A_copy_written_into_an_earlier_copy_equals_the_state()
    {
        var (symbols, days) = Market();
        using var backend = new CpuComputeBackend(1);
        var state = backend.CreateShard(Default, BigOrderSizing.Filled);
        state.BeginDay(symbols);
        var rows = Enumerable.Repeat(double.NaN, 3 * W).ToArray();
        var changed = new int[3];
        Feed(state, days, 1, 100);
        state.Evaluate(100, rows, changed);
        var first = state.Copy();
        Feed(state, days, 101, 200);
        state.Evaluate(200, rows, changed);
        var second = state.Copy(first);
        Assert.Same(first, second);
        Feed(state, days, 201, 240);
        Feed(second, days, 201, 240);
        var rowsCopy = (double[])rows.Clone();
        state.Evaluate(240, rows, changed);
        second.Evaluate(240, rowsCopy, changed);
        Assert.Equal(rows.Select(BitConverter.DoubleToInt64Bits), rowsCopy.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(state.LastSeq(0), second.LastSeq(0));
    }

    [Fact]
    public void Double_buffered_copies_stay_equal_to_their_minute_while_the_state_recycles_the_older_ones()
    {
        // As a shard snapshots: each copy into the one before last (whose state objects only it
        // held are recycled for the live state's next clones). Every copy, continued, must give
        // the rows of a twin that was never copied.
        var (symbols, days) = Market();
        using var backend = new CpuComputeBackend(1);
        var state = backend.CreateShard(Default, BigOrderSizing.Filled);
        var twin = backend.CreateShard(Default, BigOrderSizing.Filled);
        state.BeginDay(symbols);
        twin.BeginDay(symbols);
        var rows = Enumerable.Repeat(double.NaN, 3 * W).ToArray();
        var twinRows = (double[])rows.Clone();
        var changed = new int[3];
        IShardFactorState? latest = null, spare = null;
        int latestMinute = 0;
        var latestRows = (double[])rows.Clone();
        for (int m = 1; m <= 240; m++)
        {
            Feed(state, days, m, m);
            Feed(twin, days, m, m);
            state.Evaluate(m, rows, changed);
            twin.Evaluate(m, twinRows, changed);
            Assert.Equal(twinRows.Select(BitConverter.DoubleToInt64Bits), rows.Select(BitConverter.DoubleToInt64Bits));
            if (m % 7 != 0) continue;
            if (latest is not null && m % 21 == 0)
            {
                // The latest copy, continued to this minute, equals the state.
                var restored = latest.Copy();
                var restoredRows = (double[])latestRows.Clone();
                for (int r = latestMinute + 1; r <= m; r++)
                {
                    Feed(restored, days, r, r);
                    restored.Evaluate(r, restoredRows, changed);
                }
                Assert.Equal(rows.Select(BitConverter.DoubleToInt64Bits), restoredRows.Select(BitConverter.DoubleToInt64Bits));
            }
            var next = state.Copy(spare);
            spare = latest;
            latest = next;
            latestMinute = m;
            rows.CopyTo(latestRows, 0);
        }
    }
}
