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
/// The CPU state fed a day symbol by symbol. <see cref="IShardFactorState.CompleteDay"/>: a symbol
/// completed as its day ends is evaluated as of the close then, its storage goes to the next symbol to
/// start, and the close's rows, changed list, last seqs and daily bars equal a state that keeps every
/// symbol to the close — also in a copy taken part-way (a supervision snapshot), whether the copy or
/// the original goes on, and over a second day on the same state. <see cref="IShardFactorState.RecordMinutes"/>:
/// every minute's rows, changed list and last seqs equal a state fed minute by minute and evaluated at
/// every minute, also from a copy taken part-way.
/// </summary>
public class CpuShardStateBySymbolTests
{
    private const int W = FactorCatalog.Count;

    private static (SymbolCode[] Symbols, List<TickEvent>[] Days) Market(int seed, int n)
    {
        var symbols = Enumerable.Range(0, n).Select(i => SymbolCode.FromParts(600000 + i, "SH")).ToArray();
        var days = new List<TickEvent>[n];
        for (int i = 0; i < n; i++)
        {
            var events = i % 5 == 4 ? [] : RandomDay.Make(seed * 100 + i, 300 + 97 * (i % 4), orderPool: 60 + 40 * (i % 3), sparse: i % 4 == 1);
            days[i] = events.Select(e => { e.Symbol = symbols[i].Value; return e; }).ToList();
        }
        return (symbols, days);
    }

    // The whole day of symbols [from, to), symbol by symbol, completing each as its events end.
    private static void Feed(IShardFactorState state, List<TickEvent>[] days, int from, int to, bool complete)
    {
        for (int i = from; i < to; i++)
        {
            // In pieces, as batches cut a symbol's day.
            for (int k = 0; k < days[i].Count; k += 128)
            {
                var piece = days[i].Skip(k).Take(128).ToArray();
                state.Apply(piece, Enumerable.Repeat(i, piece.Length).ToArray());
            }
            if (complete) state.CompleteDay(i);
        }
    }

    // The close as a shard evaluates it: into the rows of its previous evaluations (NaN before the first;
    // a copy comes with its original's), which a quiet symbol's row is not rewritten over in full.
    private static (double[] Rows, int[] Changed, long[] LastSeq, string?[] Bars) Close(IShardFactorState state, double[]? previous = null)
    {
        int n = state.SymbolCount;
        var rows = previous is null ? new double[n * W] : (double[])previous.Clone();
        if (previous is null) Array.Fill(rows, double.NaN);
        var changed = new int[n];
        int count = state.Evaluate(SessionBars.BarsPerDay, rows, changed);
        return (rows, changed[..count], Enumerable.Range(0, n).Select(state.LastSeq).ToArray(),
            Enumerable.Range(0, n).Select(i => state.DailyBar(i)?.ToString()).ToArray());
    }

    private static void AssertSameClose((double[] Rows, int[] Changed, long[] LastSeq, string?[] Bars) expected,
        (double[] Rows, int[] Changed, long[] LastSeq, string?[] Bars) actual, string context)
    {
        AssertBitIdentical(expected.Rows, actual.Rows, context + ": rows");
        Assert.Equal(expected.Changed, actual.Changed);
        Assert.Equal(expected.LastSeq, actual.LastSeq);
        Assert.Equal(expected.Bars, actual.Bars);
    }

    [Theory]
    [InlineData(1, BigOrderSizing.Filled)]
    [InlineData(2, BigOrderSizing.Submitted)]
    public void Completed_symbols_give_the_close_of_a_state_that_keeps_them_and_hand_their_storage_on(int seed, BigOrderSizing sizing)
    {
        var (symbols, days) = Market(seed, 23);
        var backend = new CpuComputeBackend(1);
        var kept = (CpuShardState)backend.CreateShard(Default, sizing);
        var completing = (CpuShardState)backend.CreateShard(Default, sizing);
        for (int day = 0; day < 2; day++)
        {
            kept.BeginDay(symbols);
            completing.BeginDay(symbols);
            Feed(kept, days, 0, symbols.Length, complete: false);
            Feed(completing, days, 0, symbols.Length, complete: true);
            AssertSameClose(Close(kept), Close(completing), $"day {day}");
            days = Market(seed + 10, symbols.Length).Days;
        }
        Assert.True(completing.HandedOnStates > 20, $"{completing.HandedOnStates} states handed on");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_copy_taken_part_way_answers_like_the_original_whichever_goes_on(bool complete)
    {
        var (symbols, days) = Market(3, 17);
        var backend = new CpuComputeBackend(1);
        var reference = backend.CreateShard(Default, BigOrderSizing.Filled);
        reference.BeginDay(symbols);
        Feed(reference, days, 0, symbols.Length, complete: false);

        var live = backend.CreateShard(Default, BigOrderSizing.Filled);
        live.BeginDay(symbols);
        Feed(live, days, 0, 6, complete: complete);
        // Half of symbol 6's day, then a snapshot: it is shared with the copy, completed ones are not.
        var half = days[6].Take(days[6].Count / 2).ToArray();
        live.Apply(half, Enumerable.Repeat(6, half.Length).ToArray());
        var snapshot = live.Copy();
        var copy = snapshot.Copy(); // a restore goes on from a copy of the snapshot
        var rest = days[6].Skip(half.Length).ToArray();
        foreach (var state in new[] { live, copy })
        {
            state.Apply(rest, Enumerable.Repeat(6, rest.Length).ToArray());
            if (complete) state.CompleteDay(6);
            Feed(state, days, 7, symbols.Length, complete: complete);
        }
        var expected = Close(reference);
        var original = Close(live);
        AssertSameClose(expected, original, "original");
        AssertSameClose(expected, Close(copy), "copy");
        // A copy of the evaluated day (into an earlier copy's storage) answers the same, given the rows it was taken with.
        AssertSameClose(expected, Close(live.Copy(snapshot), original.Rows), "copy of the day");
    }

    [Fact]
    public void Events_after_a_symbols_day_completed_and_minutes_before_the_close_are_refused()
    {
        var (symbols, days) = Market(4, 3);
        var state = new CpuComputeBackend(1).CreateShard(Default, BigOrderSizing.Filled);
        state.BeginDay(symbols);
        Feed(state, days, 0, 1, complete: true);
        Assert.Throws<InvalidOperationException>(() => state.Apply(days[0].Take(1).ToArray(), [0]));
        Assert.Throws<InvalidOperationException>(() => state.Evaluate(30, new double[3 * W], new int[3]));
        Assert.Throws<NotSupportedException>(() => ((IPersistentShardState)state).Write(new SnapshotWriter()));
    }

    // Every minute as a shard evaluates it: rows carried over from minute to minute.
    private static List<(double[] Rows, int[] Changed, long[] LastSeq)> EveryMinute(IShardFactorState state)
    {
        int n = state.SymbolCount;
        var rows = new double[n * W];
        Array.Fill(rows, double.NaN);
        var changed = new int[n];
        var minutes = new List<(double[], int[], long[])>();
        for (int m = 1; m <= SessionBars.BarsPerDay; m++)
        {
            int count = state.Evaluate(m, rows, changed);
            minutes.Add(((double[])rows.Clone(), changed[..count], Enumerable.Range(0, n).Select(state.LastSeq).ToArray()));
        }
        return minutes;
    }

    private static void AssertSameMinutes(List<(double[] Rows, int[] Changed, long[] LastSeq)> expected, List<(double[] Rows, int[] Changed, long[] LastSeq)> actual, string context)
    {
        for (int m = 0; m < expected.Count; m++)
        {
            AssertBitIdentical(expected[m].Rows, actual[m].Rows, $"{context}: minute {m + 1}");
            Assert.Equal(expected[m].Changed, actual[m].Changed);
            Assert.Equal(expected[m].LastSeq, actual[m].LastSeq);
        }
    }

    [Theory]
    [InlineData(5, BigOrderSizing.Filled)]
    [InlineData(6, BigOrderSizing.Submitted)]
    public void Recorded_minutes_equal_a_state_fed_and_evaluated_minute_by_minute(int seed, BigOrderSizing sizing)
    {
        var (symbols, days) = Market(seed, 19);
        var backend = new CpuComputeBackend(1);
        // The reference: each minute's events of every symbol, then the minute's evaluation.
        var byMinute = backend.CreateShard(Default, sizing);
        byMinute.BeginDay(symbols);
        var rows = new double[symbols.Length * W];
        Array.Fill(rows, double.NaN);
        var changed = new int[symbols.Length];
        var expected = new List<(double[], int[], long[])>();
        for (int m = 1; m <= SessionBars.BarsPerDay; m++)
        {
            FeedBar(byMinute, [.. days], m);
            int count = byMinute.Evaluate(m, rows, changed);
            expected.Add(((double[])rows.Clone(), changed[..count], Enumerable.Range(0, symbols.Length).Select(byMinute.LastSeq).ToArray()));
        }

        var recording = backend.CreateShard(Default, sizing);
        recording.BeginDay(symbols);
        Assert.True(recording.RecordMinutes());
        Feed(recording, days, 0, 8, complete: true);
        // A snapshot with symbol 8 half done: the copy goes on as a restore would, and so does the original.
        var half = days[8].Take(days[8].Count / 2).ToArray();
        recording.Apply(half, Enumerable.Repeat(8, half.Length).ToArray());
        var copy = recording.Copy().Copy();
        var rest = days[8].Skip(half.Length).ToArray();
        foreach (var state in new[] { recording, copy })
        {
            state.Apply(rest, Enumerable.Repeat(8, rest.Length).ToArray());
            state.CompleteDay(8);
            Feed(state, days, 9, symbols.Length, complete: true);
        }
        AssertSameMinutes(expected, EveryMinute(recording), "recorded");
        AssertSameMinutes(expected, EveryMinute(copy), "recorded from a copy");
        Assert.Equal(Enumerable.Range(0, symbols.Length).Select(i => byMinute.DailyBar(i)?.ToString()), Enumerable.Range(0, symbols.Length).Select(i => recording.DailyBar(i)?.ToString()));
    }

    [Fact]
    public void Recorded_blocks_no_copy_holds_are_reused_the_next_day_and_a_copy_still_held_keeps_its_minutes()
    {
        var backend = new CpuComputeBackend(1);
        var (symbols, day1) = Market(7, 13);
        var (_, day2) = Market(8, 13);
        List<(double[] Rows, int[] Changed, long[] LastSeq)> Reference(List<TickEvent>[] day)
        {
            var fresh = backend.CreateShard(Default, BigOrderSizing.Filled);
            fresh.BeginDay(symbols);
            Assert.True(fresh.RecordMinutes());
            Feed(fresh, day, 0, symbols.Length, complete: true);
            return EveryMinute(fresh);
        }

        var state = (CpuShardState)backend.CreateShard(Default, BigOrderSizing.Filled);
        state.BeginDay(symbols);
        Assert.True(state.RecordMinutes());
        Feed(state, day1, 0, 6, complete: true);
        var kept = state.Copy(); // never overwritten: holds symbols 0..5's blocks to the end
        var buffer = state.Copy(); // the pipeline's double buffer: each later copy is written into it
        Feed(state, day1, 6, 13, complete: true);
        buffer = state.Copy(buffer);
        AssertSameMinutes(Reference(day1), EveryMinute(state), "day 1");
        Assert.Equal(0, state.ReusedBlocks);

        // Day 2: the state lets go of day 1's blocks, then the buffer does; symbols 6..12's are held by no one.
        state.BeginDay(symbols);
        Assert.True(state.RecordMinutes());
        buffer = state.Copy(buffer);
        Feed(state, day2, 0, 13, complete: true);
        Assert.Equal(7, state.ReusedBlocks);
        AssertSameMinutes(Reference(day2), EveryMinute(state), "day 2, on reused blocks");

        // The kept copy goes on with day 1: its blocks were never reused under it.
        Feed(kept, day1, 6, 13, complete: true);
        AssertSameMinutes(Reference(day1), EveryMinute(kept), "a copy kept from day 1");
    }

    [Theory]
    [InlineData(9, BigOrderSizing.Filled, false)]
    [InlineData(10, BigOrderSizing.Submitted, false)]
    [InlineData(11, BigOrderSizing.Filled, true)]
    public void A_by_symbol_day_start_makes_states_as_symbols_start_and_answers_as_one_that_made_them_all(int seed, BigOrderSizing sizing, bool record)
    {
        // BeginDayBySymbol: a slot holds the placeholder until its symbol's first events take a
        // closed symbol's state (or yesterday's, or a new one). The close (or every recorded minute),
        // last seqs and daily bars equal a state that made every symbol's at the day start — over
        // three days, with a copy taken part-way on the second going on as a restore would.
        var symbols = Market(seed, 21).Symbols;
        var backend = new CpuComputeBackend(1);
        var eager = (CpuShardState)backend.CreateShard(Default, sizing);
        var lazy = (CpuShardState)backend.CreateShard(Default, sizing);
        for (int day = 0; day < 3; day++)
        {
            var days = Market(seed + 20 * day, symbols.Length).Days;
            eager.BeginDay(symbols);
            lazy.BeginDayBySymbol(symbols);
            if (record) { Assert.True(eager.RecordMinutes()); Assert.True(lazy.RecordMinutes()); }
            // Symbols without events are complete from the start (as the shard engine does).
            foreach (var state in new[] { eager, lazy })
                for (int i = 0; i < symbols.Length; i++)
                    if (days[i].Count == 0) state.CompleteDay(i);
            Feed(eager, days, 0, symbols.Length, complete: true);
            var live = lazy;
            if (day == 1)
            {
                Feed(lazy, days, 0, 7, complete: true);
                var half = days[7].Take(days[7].Count / 2).ToArray();
                lazy.Apply(half, Enumerable.Repeat(7, half.Length).ToArray());
                live = (CpuShardState)lazy.Copy().Copy();
                var rest = days[7].Skip(half.Length).ToArray();
                live.Apply(rest, Enumerable.Repeat(7, rest.Length).ToArray());
                live.CompleteDay(7);
                Feed(live, days, 8, symbols.Length, complete: true);
            }
            else Feed(lazy, days, 0, symbols.Length, complete: true);
            if (record) AssertSameMinutes(EveryMinute(eager), EveryMinute(live), $"day {day}");
            else AssertSameClose(Close(eager), Close(live), $"day {day}");
            Assert.Equal(Enumerable.Range(0, symbols.Length).Select(i => eager.DailyBar(i)?.ToString()), Enumerable.Range(0, symbols.Length).Select(i => live.DailyBar(i)?.ToString()));
        }
        // One symbol at a time is in progress: the first made a state, every later one took a closed one's
        // (or yesterday's) — except on the third day, whose first symbol made one more: the second day's
        // states were all shared with its copy (a state a copy holds is never reused).
        Assert.Equal(2, lazy.StatesMadeAtStart);
        Assert.True(lazy.HandedOnStates >= 2 * 16, $"{lazy.HandedOnStates} states handed on");
    }

    [Fact]
    public void A_recording_state_refuses_a_minute_not_recorded_yet()
    {
        var (symbols, days) = Market(7, 3);
        var state = new CpuComputeBackend(1).CreateShard(Default, BigOrderSizing.Filled);
        state.BeginDay(symbols);
        state.RecordMinutes();
        Feed(state, days, 0, 2, complete: true);
        Assert.Throws<InvalidOperationException>(() => state.Evaluate(1, new double[3 * W], new int[3]));
    }
}
