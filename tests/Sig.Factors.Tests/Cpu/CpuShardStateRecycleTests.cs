using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Persistence;
using Sig.Factors.Compute;
using Sig.Factors.Cpu;
using Xunit;
using static Sig.Factors.Tests.Cpu.FactorTestKit;

namespace Sig.Factors.Tests.Cpu;

/// <summary>
/// Recycling a dropped snapshot's state objects (their bars, book and id index objects,
/// directories and an unshared bar chunk) must never touch what a live state or a kept snapshot
/// reads. A shard state snapshots at random minutes as the pipeline does (each copy into the one
/// before last, a copy being persisted skipped and kept), restores from snapshots (continued, then
/// dropped, going on as the live state or running on beside it), over two days; a twin fed the same events is never
/// copied, so it never recycles. Every minute the rows are equal bit for bit, every copy's bytes
/// equal the twin's when taken, and every kept copy still gives those bytes whenever checked.
/// </summary>
public class CpuShardStateRecycleTests
{
    private const int W = FactorCatalog.Count;

    private sealed class Kept(IShardFactorState state, int day, int minute, double[] rows, byte[] bytes)
    {
        public IShardFactorState State { get; } = state;
        public int Day { get; } = day;
        public int Minute { get; } = minute;
        public double[] Rows { get; } = rows;
        public byte[] Bytes { get; } = bytes;
    }

    private static List<TickEvent>[] Days(SymbolCode[] symbols, int seed, bool small)
    {
        var days = new List<TickEvent>[symbols.Length];
        for (int i = 0; i < symbols.Length; i++)
        {
            int s = seed * 1000 + i;
            days[i] = (small ? i % 3 : i % 4) switch
            {
                // Thousands of orders: many chunks of rows, directories that grow between forks.
                0 => RandomDay.Make(s, small ? 150 : 2500, orderPool: small ? 100 : 1500),
                1 => RandomDay.Make(s, small ? 80 : 400, sparse: true),
                // Ids thousands apart: the id index hashes (its map shared with forks).
                2 => RandomDay.Make(s, small ? 120 : 800, orderPool: 300).Select(e => { e.BuyOrderId *= 100_003; e.SellOrderId *= 100_003; return e; }).ToList(),
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
    [InlineData(1, BigOrderSizing.Filled, 1)]
    [InlineData(2, BigOrderSizing.Filled, 1)]
    [InlineData(3, BigOrderSizing.Submitted, 1)]
    [InlineData(4, BigOrderSizing.Filled, 3)]
    public void Snapshots_dropped_and_recycled_keep_every_value_and_byte_of_a_state_that_never_recycles(int seed, BigOrderSizing sizing, int parallelism)
    {
        var rng = new Random(seed);
        bool small = parallelism > 1; // the parallel path needs 256 symbols: smaller days
        int n = small ? 260 : 12;
        var symbols = Enumerable.Range(0, n).Select(i => SymbolCode.FromParts(1 + i, "SZ")).ToArray();
        using var backend = new CpuComputeBackend(parallelism);
        var state = backend.CreateShard(Default, sizing);
        var twin = backend.CreateShard(Default, sizing);
        var rows = new double[n * W];
        var twinRows = new double[n * W];
        var changed = new int[n];
        Kept? latest = null, spare = null;
        var pinned = new List<Kept>();
        // A restored copy that runs on beside the live state (a second reader of the snapshot's
        // state objects, which the live state must then not recycle).
        IShardFactorState? follower = null;
        double[]? followerRows = null;
        // Restored copies not written until a later snapshot: until then they read the snapshot's
        // state objects themselves.
        var late = new List<(IShardFactorState State, double[] Rows, int Minute, int Due)>();
        int snapshots = 0, restores = 0, takeovers = 0, followed = 0, lateRestores = 0;
        long reused = 0;

        void CheckKept(string context)
        {
            foreach (var k in new[] { latest, spare }.Concat(pinned))
                if (k is not null) Assert.True(k.Bytes.AsSpan().SequenceEqual(Bytes(k.State)), $"{context}: the copy of minute {k.Minute} changed");
        }

        for (int day = 0; day < 2; day++)
        {
            var days = Days(symbols, seed + 10 * day, small);
            state.BeginDay(symbols);
            twin.BeginDay(symbols);
            Array.Fill(rows, double.NaN);
            Array.Fill(twinRows, double.NaN);
            follower = null;
            for (int m = 1; m <= 240; m++)
            {
                FeedBar(state, days, m);
                FeedBar(twin, days, m);
                state.Evaluate(m, rows, changed);
                twin.Evaluate(m, twinRows, changed);
                AssertRows(twinRows, rows, $"day {day} minute {m}");
                if (follower is not null)
                {
                    FeedBar(follower, days, m);
                    follower.Evaluate(m, followerRows, changed);
                    AssertRows(twinRows, followerRows!, $"day {day} minute {m}: the follower");
                    followed++;
                }
                if (rng.Next(4) != 0 && m != 240) continue;

                // A snapshot, as MinuteCrossSection.NextSnapshot takes it: into the one before the
                // latest unless that one is being persisted (then it is kept aside and a new copy made).
                var into = spare;
                if (into is not null && rng.Next(5) == 0) { pinned.Add(into); into = null; }
                var copy = state.Copy(into?.State);
                byte[] bytes = Bytes(copy);
                Assert.True(Bytes(twin).AsSpan().SequenceEqual(bytes), $"day {day} minute {m}: the copy's bytes");
                spare = latest;
                latest = new Kept(copy, day, m, (double[])rows.Clone(), bytes);
                snapshots++;
                if (pinned.Count > 0 && rng.Next(3) == 0) pinned.RemoveAt(rng.Next(pinned.Count)); // persisted: let go
                CheckKept($"day {day} minute {m}");
                for (int j = late.Count - 1; j >= 0; j--)
                {
                    var (lateState, lateRows, from0, due) = late[j];
                    if (due > snapshots && m != 240) continue;
                    for (int r = from0 + 1; r <= m; r++)
                    {
                        FeedBar(lateState, days, r);
                        lateState.Evaluate(r, lateRows, changed);
                    }
                    AssertRows(rows, lateRows, $"day {day} minute {m}: restored late from minute {from0}");
                    Assert.True(Bytes(twin).AsSpan().SequenceEqual(Bytes(lateState)), $"day {day} minute {m}: bytes restored late");
                    late.RemoveAt(j);
                    lateRestores++;
                }

                if (rng.Next(6) != 0 || m == 240) continue;
                // A restore: a copy of a kept snapshot, continued to this minute, equals the state;
                // sometimes it goes on as the live state (the shard restarted from its snapshot).
                var from = pinned.Count > 0 && rng.Next(3) == 0 ? pinned[rng.Next(pinned.Count)] : latest;
                if (from.Minute == m && spare is not null) from = spare;
                if (from.Day != day) from = latest;
                var restored = from.State.Copy();
                var restoredRows = (double[])from.Rows.Clone();
                if (rng.Next(3) == 0) { late.Add((restored, restoredRows, from.Minute, snapshots + 2 + rng.Next(3))); continue; }
                for (int r = from.Minute + 1; r <= m; r++)
                {
                    FeedBar(restored, days, r);
                    restored.Evaluate(r, restoredRows, changed);
                }
                AssertRows(rows, restoredRows, $"day {day} minute {m}: restored from minute {from.Minute}");
                Assert.True(Bytes(twin).AsSpan().SequenceEqual(Bytes(restored)), $"day {day} minute {m}: restored bytes");
                restores++;
                int next = rng.Next(3);
                if (next == 0) { reused += ((CpuShardState)state).ReusedStates; state = restored; takeovers++; }
                else if (next == 1) { follower = restored; followerRows = restoredRows; }
                CheckKept($"day {day} minute {m}, restored");
            }
            Assert.True(Bytes(twin).AsSpan().SequenceEqual(Bytes(state)), $"day {day}: bytes at the close");
        }
        Assert.True(snapshots > 80 && restores > 5 && takeovers > 0, $"{snapshots} snapshots, {restores} restores, {takeovers} taken over");
        Assert.True(followed > 100 && lateRestores > 3, $"followed {followed} minutes, {lateRestores} late restores");
        Assert.True(reused + ((CpuShardState)state).ReusedStates > n, "too little was recycled");
    }
}
