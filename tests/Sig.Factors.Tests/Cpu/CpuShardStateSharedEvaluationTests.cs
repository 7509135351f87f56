using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Persistence;
using Sig.Engine.Time;
using Sig.Factors.Compute;
using Sig.Factors.Cpu;
using Xunit;
using static Sig.Factors.Tests.Cpu.FactorTestKit;

namespace Sig.Factors.Tests.Cpu;

/// <summary>
/// The evaluation of a symbol whose state object a snapshot shares: in place, with the shard
/// state's own fold, no clone. Its rows equal those of a twin that is never copied, the state
/// object stays the one the snapshot holds, and the snapshot's bytes do not move; a copy
/// evaluated later (a restore) folds from bar 1; a fill for a bar already folded refolds, on the
/// live side, in a restored copy and in a state read from bytes alike.
/// </summary>
public class CpuShardStateSharedEvaluationTests
{
    private const int W = FactorCatalog.Count;

    private static List<TickEvent>[] Days(SymbolCode[] symbols, int seed)
    {
        var days = new List<TickEvent>[symbols.Length];
        for (int i = 0; i < symbols.Length; i++)
        {
            int s = seed * 1000 + i;
            days[i] = (i % 4) switch
            {
                0 => RandomDay.Make(s, 900, orderPool: 400),
                1 => RandomDay.Make(s, 200, sparse: true),
                2 => RandomDay.Make(s, 400, orderPool: 200).Select(e => { e.BuyOrderId *= 100_003; e.SellOrderId *= 100_003; return e; }).ToList(),
                _ => i == 3 ? RandomDay.Make(s, 60).Where(e => e.Kind == TickKind.Order).ToList() : RandomDay.Make(s, 150),
            };
            days[i] = days[i].Select(e => { e.Symbol = symbols[i].Value; return e; }).ToList();
        }
        return days;
    }

    private static byte[] Bytes(IShardFactorState state)
    {
        var writer = new SnapshotWriter();
        ((IPersistentShardState)state).Write(writer);
        return writer.Written.ToArray();
    }

    private static void AssertRows(double[] expected, double[] actual, string context) =>
        Assert.True(expected.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(actual.Select(BitConverter.DoubleToInt64Bits)), context);

    [Theory]
    [InlineData(1, BigOrderSizing.Filled, 1, 12)]
    [InlineData(2, BigOrderSizing.Submitted, 1, 12)]
    [InlineData(3, BigOrderSizing.Filled, 3, 260)]
    public void A_shared_state_is_evaluated_in_place_with_the_rows_of_a_state_never_copied(int seed, BigOrderSizing sizing, int parallelism, int n)
    {
        var rng = new Random(seed);
        var symbols = Enumerable.Range(0, n).Select(i => SymbolCode.FromParts(1 + i, "SZ")).ToArray();
        var days = Days(symbols, seed);
        // Per minute and symbol: whether the symbol's events of that bar are dropped, so that many
        // symbols have fills and yet no event since the snapshot when they are evaluated.
        var quiet = new bool[241, n];
        for (int m = 1; m <= 240; m++) for (int i = 0; i < n; i++) quiet[m, i] = rng.Next(3) != 0;
        void FeedMinute(IShardFactorState s, int m) => FeedBar(s, days, m, (i, _) => !quiet[m, i]);

        using var backend = new CpuComputeBackend(parallelism);
        var state = (CpuShardState)backend.CreateShard(Default, sizing);
        var twin = backend.CreateShard(Default, sizing);
        state.BeginDay(symbols);
        twin.BeginDay(symbols);
        var rows = Enumerable.Repeat(double.NaN, n * W).ToArray();
        var twinRows = (double[])rows.Clone();
        var changed = new int[n];
        CpuShardState? latest = null;
        IShardFactorState? spare = null;
        int latestMinute = 0, sharedEvaluated = 0, restores = 0;
        var latestRows = (double[])rows.Clone();
        var history = new double[241][];
        for (int m = 1; m <= 240; m++)
        {
            FeedMinute(state, m);
            FeedMinute(twin, m);
            byte[]? before = latest is null ? null : Bytes(latest);
            var objects = Enumerable.Range(0, n).Select(state.State).ToArray();
            state.Evaluate(m, rows, changed);
            twin.Evaluate(m, twinRows, changed);
            AssertRows(twinRows, rows, $"minute {m}");
            history[m] = (double[])rows.Clone();
            for (int i = 0; i < n; i++)
            {
                Assert.Same(objects[i], state.State(i)); // the evaluation never clones
                if (latest is not null && ReferenceEquals(latest.State(i), objects[i]) && objects[i].Bars.Fills > 0) sharedEvaluated++;
            }
            if (before is not null) Assert.True(before.AsSpan().SequenceEqual(Bytes(latest!)), $"minute {m}: the evaluation moved the snapshot's bytes");

            if (latest is not null && rng.Next(6) == 0)
            {
                // A restore of the latest snapshot: its folds start empty (folded from bar 1 at its
                // first evaluation, quiet symbols included), then it goes on to this minute, each
                // minute's rows those the state had then (the live state's folds are further on).
                var restored = latest.Copy();
                var restoredRows = (double[])latestRows.Clone();
                for (int r = latestMinute + 1; r <= m; r++)
                {
                    FeedMinute(restored, r);
                    restored.Evaluate(r, restoredRows, changed);
                    AssertRows(history[r], restoredRows, $"minute {m}: restored from minute {latestMinute}, as of {r}");
                }
                if (latestMinute == m) restored.Evaluate(m, restoredRows, changed); // nothing to replay: evaluated again as of the same minute
                AssertRows(rows, restoredRows, $"minute {m}: restored from minute {latestMinute}");
                restores++;
            }
            if (rng.Next(4) != 0) continue;
            var next = (CpuShardState)state.Copy(spare);
            spare = latest;
            latest = next;
            latestMinute = m;
            rows.CopyTo(latestRows, 0);
        }
        Assert.True(sharedEvaluated > 10 * n && restores > 5, $"{sharedEvaluated} evaluations of shared symbols with fills, {restores} restores");
    }

    [Theory]
    [InlineData(7, BigOrderSizing.Filled)]
    [InlineData(8, BigOrderSizing.Submitted)]
    public void A_fill_for_a_folded_bar_refolds_live_in_a_restored_copy_and_in_a_state_read_from_bytes(int seed, BigOrderSizing sizing)
    {
        const int n = 8, held = 60, at = 100;
        var symbols = Enumerable.Range(0, n).Select(i => SymbolCode.FromParts(1 + i, "SZ")).ToArray();
        var days = Days(symbols, seed);
        // Per symbol with fills: its last fill of bars 41..60, held back until bar 100 is evaluated.
        var late = new TickEvent?[n];
        for (int i = 0; i < n; i++)
            if (days[i].LastOrDefault(e => e.IsFill && SessionBars.BarOf(e.Time) is > 40 and <= held) is { IsFill: true } e) late[i] = e;
        Assert.True(late.Count(e => e is not null) >= n / 2);
        bool NotHeld(int i, TickEvent e) => late[i] is not { } h || h.Seq != e.Seq;

        using var backend = new CpuComputeBackend(1);
        var state = backend.CreateShard(Default, sizing);
        var twin = backend.CreateShard(Default, sizing);
        state.BeginDay(symbols);
        twin.BeginDay(symbols);
        var rows = Enumerable.Repeat(double.NaN, n * W).ToArray();
        var twinRows = (double[])rows.Clone();
        var changed = new int[n];
        // The twin gets the same events in the same order (a fill's order sets its bar's close and its
        // log return), but is evaluated only after the held fills: its fold starts at bar 1 then.
        for (int m = 1; m <= at; m++)
        {
            FeedBar(state, days, m, NotHeld);
            FeedBar(twin, days, m, NotHeld);
            state.Evaluate(m, rows, changed); // folds bars 1..m without the held fills
            if (m % 30 == 0) state.Copy(); // the folds stay with the state across copies
        }
        var rowsBefore = (double[])rows.Clone();
        var snapshot = state.Copy();
        var bytes = Bytes(snapshot);

        // The held fills, one run per symbol, into bars the live state has folded.
        var heldEvents = late.Where(e => e is not null).Select(e => e!.Value).ToArray();
        var heldSymbols = Enumerable.Range(0, n).Where(i => late[i] is not null).ToArray();
        var restored = snapshot.Copy();
        var read = backend.CreateShard(Default, sizing);
        ((IPersistentShardState)read).Read(new SnapshotReader(bytes));
        var restoredRows = (double[])rows.Clone();
        var readRows = (double[])rows.Clone();
        restored.Evaluate(at, restoredRows, changed); // the restored copy folds bars 1..100 first, then gets the late fills
        foreach (var s in new[] { state, restored, read, twin }) s.Apply(heldEvents, heldSymbols);
        twin.Evaluate(at, twinRows, changed);
        Assert.False(twinRows.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(rowsBefore.Select(BitConverter.DoubleToInt64Bits)), "the held fills change no row");
        state.Evaluate(at, rows, changed);
        restored.Evaluate(at, restoredRows, changed);
        read.Evaluate(at, readRows, changed);
        AssertRows(twinRows, rows, "live");
        AssertRows(twinRows, restoredRows, "restored");
        AssertRows(twinRows, readRows, "read from bytes");
        Assert.True(bytes.AsSpan().SequenceEqual(Bytes(snapshot)), "the snapshot changed");
        for (int m = at + 1; m <= 240; m++)
        {
            foreach (var s in new[] { state, restored, read, twin }) FeedBar(s, days, m);
            state.Evaluate(m, rows, changed);
            restored.Evaluate(m, restoredRows, changed);
            read.Evaluate(m, readRows, changed);
            twin.Evaluate(m, twinRows, changed);
            AssertRows(twinRows, rows, $"live, minute {m}");
            AssertRows(twinRows, restoredRows, $"restored, minute {m}");
            AssertRows(twinRows, readRows, $"read from bytes, minute {m}");
        }
    }

    [Fact]
    public void A_state_that_reads_the_bytes_of_an_earlier_minute_folds_from_the_first_bar()
    {
        // Its folds are further on than the bars it reads; a sparse symbol trades in none of the
        // minutes between, so its fill count alone would not tell.
        const int n = 8, at = 100, later = 200;
        var symbols = Enumerable.Range(0, n).Select(i => SymbolCode.FromParts(1 + i, "SZ")).ToArray();
        var days = Days(symbols, 9);
        days[1] = days[1].Where(e => SessionBars.BarOf(e.Time) <= at).ToList(); // quiet after minute 100
        Assert.Contains(days[1], e => e.IsFill);
        using var backend = new CpuComputeBackend(1);
        var state = backend.CreateShard(Default, BigOrderSizing.Filled);
        state.BeginDay(symbols);
        var rows = Enumerable.Repeat(double.NaN, n * W).ToArray();
        var changed = new int[n];
        var history = new double[241][];
        byte[] bytes = [];
        for (int m = 1; m <= later; m++)
        {
            FeedBar(state, days, m);
            state.Evaluate(m, rows, changed);
            history[m] = (double[])rows.Clone();
            if (m == at) bytes = Bytes(state);
        }
        ((IPersistentShardState)state).Read(new SnapshotReader(bytes));
        var again = (double[])history[at].Clone();
        for (int m = at + 1; m <= later; m++)
        {
            FeedBar(state, days, m);
            state.Evaluate(m, again, changed);
            AssertRows(history[m], again, $"minute {m}");
        }
    }
}
