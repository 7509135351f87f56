using Sig.Engine.Events;
using Sig.Engine.Time;
using Sig.Factors.Intraday;
using Sig.Factors.Tests.Cpu;
using Xunit;
using static Sig.Factors.Tests.Cpu.FactorTestKit;

namespace Sig.Factors.Tests.Intraday;

/// <summary>
/// The chunks shared copy-on-write by the bars and the bar fold: every side of a fork reads what
/// it alone wrote, whatever the others write afterwards.
/// </summary>
public class CopyOnWriteChunksTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Forks_written_in_turn_each_equal_an_independent_array(int seed)
    {
        var rng = new Random(seed);
        const int N = CopyOnWriteChunks<long>.Capacity;
        // Several sides, each with a plain array holding what it must read.
        var sides = new List<(Box Chunks, long[] Model)> { (new Box(), new long[N]) };
        for (int step = 0; step < 20_000; step++)
        {
            int who = rng.Next(sides.Count);
            var (box, model) = sides[who];
            int op = rng.Next(100);
            if (op < 3 && sides.Count < 8)
            {
                var other = new Box();
                other.Write(rng.Next(N), 99); // the target's own chunks are let go by the share
                box.Chunks.ShareWith(ref other.Chunks);
                sides.Add((other, (long[])model.Clone()));
            }
            else if (op < 4)
            {
                // Clear(through) is told the slots above `through` are zero: make them so by writes first.
                int through = rng.Next(N);
                for (int i = through + 1; i < N; i++) if (model[i] != 0) { box.Write(i, 0); model[i] = 0; }
                box.Chunks.Clear(through);
                Array.Clear(model);
            }
            else
            {
                // Writes cluster near a moving end, as bars do, but reach anywhere.
                int i = rng.Next(4) == 0 ? rng.Next(N) : Math.Min(N - 1, step * N / 20_000 + rng.Next(16));
                long v = rng.NextInt64();
                box.Write(i, v);
                model[i] = v;
            }
            if (step % 97 == 0)
                foreach (var (b, m) in sides)
                    for (int i = 0; i < N; i++) Assert.Equal(m[i], b.Chunks[i]);
        }
        Assert.True(sides.Count > 3, "too few forks");
    }

    [Fact]
    public void An_absent_chunk_reads_zero_and_a_write_to_one_side_leaves_the_other_sharing_the_rest()
    {
        var a = new Box();
        Assert.Equal(0, a.Chunks[200]);
        for (int i = 0; i < 40; i++) a.Write(i, i + 1);
        var b = new Box();
        a.Chunks.ShareWith(ref b.Chunks);
        Assert.True(a.Chunks.SharesChunkWith(in b.Chunks, 5));
        b.Write(35, -1);
        Assert.Equal(36, a.Chunks[35]);
        Assert.Equal(-1, b.Chunks[35]);
        Assert.False(a.Chunks.SharesChunkWith(in b.Chunks, 35)); // b copied the chunk it wrote
        Assert.True(a.Chunks.SharesChunkWith(in b.Chunks, 5)); // and only that one
        a.Write(3, -2);
        Assert.Equal(4, b.Chunks[3]);
        Assert.False(a.Chunks.SharesChunkWith(in b.Chunks, 5));
    }

    [Theory]
    [InlineData(5, 37)]
    [InlineData(8, 96)]
    [InlineData(11, 150)]
    public void A_clone_cut_inside_a_bar_and_both_states_fed_apart_each_equal_a_recompute(int seed, int cutBar)
    {
        var events = RandomDay.Make(seed, 1200);
        var s = new SymbolDayState(RandomDay.Symbol);
        var before = events.Where(e => SessionBars.BarOf(e.Time) < cutBar).ToList();
        foreach (var e in before) s.Apply(e);
        Evaluate(s, cutBar - 1, Default); // the fold holds bars 1..cutBar-1
        // Half of the cut bar's events, then the clone: the bar being written is shared.
        var inBar = events.Where(e => SessionBars.BarOf(e.Time) == cutBar).ToList();
        var firstHalf = inBar.Take(inBar.Count / 2).ToList();
        foreach (var e in firstHalf) s.Apply(e);
        var c = s.Clone();
        var traded = before.Concat(firstHalf).Where(e => e.IsFill).Select(e => SessionBars.BarOf(e.Time)).ToList();
        int firstTraded = traded.Min(), lastTraded = traded.Max();
        Assert.True(s.Bars.SharesBarWith(c.Bars, firstTraded));
        Assert.True(s.Bars.SharesBarWith(c.Bars, lastTraded));

        // The original gets the rest of the day; the clone the rest without every third fill.
        var rest = events.Where(e => SessionBars.BarOf(e.Time) >= cutBar).Skip(firstHalf.Count).ToList();
        var restOfClone = rest.Where((e, k) => !(e.IsFill && k % 3 == 0)).ToList();
        Assert.NotEqual(rest.Count, restOfClone.Count);
        var dayOfS = before.Concat(firstHalf).Concat(rest).ToList();
        var dayOfC = before.Concat(firstHalf).Concat(restOfClone).ToList();
        int nextS = 0, nextC = 0;
        for (int m = cutBar; m <= SessionBars.BarsPerDay; m++)
        {
            // Alternate which side writes first, so each writes chunks the other still shares.
            if (m % 2 == 0) { Feed(s, rest, ref nextS, m); Feed(c, restOfClone, ref nextC, m); }
            else { Feed(c, restOfClone, ref nextC, m); Feed(s, rest, ref nextS, m); }
            if (m % 7 != 0 && m != SessionBars.BarsPerDay) continue;
            AssertBitIdentical(FromScratch(dayOfS, m), Evaluate(s, m, Default), $"original seed {seed} m {m}");
            AssertBitIdentical(FromScratch(dayOfC, m), Evaluate(c, m, Default), $"clone seed {seed} m {m}");
        }
        if (firstTraded < (cutBar & ~15)) Assert.True(s.Bars.SharesBarWith(c.Bars, firstTraded)); // closed bars in chunks before the cut's stay shared all day
        Assert.False(s.Bars.SharesBarWith(c.Bars, cutBar));
    }

    private static void Feed(SymbolDayState s, List<TickEvent> events, ref int next, int m)
    {
        while (next < events.Count && SessionBars.BarOf(events[next].Time) <= m) s.Apply(events[next++]);
    }

    // A class around the struct so the list can hold it and the struct is mutated in place.
    [Fact]
    public void A_dropped_side_keeps_as_spare_only_a_chunk_it_made_that_no_later_side_shares()
    {
        // `a` (a snapshot's state) wrote chunks 0–2; `b` (the state that replaced it) forked from it
        // and wrote chunk 2 only, then `c` forked from `b`. Of a's chunks only chunk 2 is a's alone.
        var a = new Box();
        for (int i = 0; i < 40; i++) a.Write(i, i + 1);
        var b = new Box();
        a.Chunks.ShareWith(ref b.Chunks);
        b.Write(39, -39);
        var c = new Box();
        b.Chunks.ShareWith(ref c.Chunks);
        var expectB = Enumerable.Range(0, 48).Select(i => b.Chunks[i]).ToArray();
        a.Chunks.KeepUnsharedAsSpare(in b.Chunks, in c.Chunks);
        Assert.True(a.Chunks.HasSpare);
        // `a` is reused: it takes another side's chunks and writes; b and c read what they had.
        var other = new Box();
        other.Write(5, 77);
        other.Chunks.ShareWith(ref a.Chunks);
        a.Write(20, -20); // chunk 1, absent in `other`: the spare serves it, cleared first
        Assert.False(a.Chunks.HasSpare);
        for (int i = 16; i < 32; i++) Assert.Equal(i == 20 ? -20 : 0, a.Chunks[i]);
        for (int i = 0; i < 48; i++) a.Write(i, -1000 - i);
        for (int i = 0; i < 48; i++)
        {
            Assert.Equal(expectB[i], b.Chunks[i]);
            Assert.Equal(expectB[i], c.Chunks[i]);
            Assert.Equal(-1000 - i, a.Chunks[i]);
        }
        Assert.Equal(77, other.Chunks[5]);
    }

    [Fact]
    public void A_dropped_side_whose_chunks_are_all_still_shared_keeps_no_spare()
    {
        var a = new Box();
        for (int i = 0; i < 20; i++) a.Write(i, i + 1);
        var b = new Box();
        a.Chunks.ShareWith(ref b.Chunks);
        var c = new Box();
        b.Chunks.ShareWith(ref c.Chunks); // b wrote nothing: a's chunks live on in b and c
        a.Chunks.KeepUnsharedAsSpare(in b.Chunks, in c.Chunks);
        Assert.False(a.Chunks.HasSpare);
        // Inherited chunks are never a side's own to give: b did not make any.
        b.Chunks.KeepUnsharedAsSpare(in c.Chunks, in c.Chunks);
        Assert.False(b.Chunks.HasSpare);
    }

    [Fact]
    public void A_spare_taken_from_a_chunk_the_side_still_owned_is_not_cleared_under_it_by_a_day_reset()
    {
        // A side never forked owns its chunks: the spare leaves the directory, so a clear (a new
        // day) does not reach it and the chunk the spare serves is not also another slot's.
        var a = new Box();
        for (int i = 0; i < 40; i++) a.Write(i, i + 1);
        var empty = new Box();
        a.Chunks.KeepUnsharedAsSpare(in empty.Chunks, in empty.Chunks);
        Assert.True(a.Chunks.HasSpare);
        a.Chunks.Clear(39);
        for (int i = 0; i < 64; i++) a.Write(i, 5000 + i); // chunk 3 is new: the spare serves it
        for (int i = 0; i < 64; i++) Assert.Equal(5000 + i, a.Chunks[i]);
    }

    private sealed class Box
    {
        public CopyOnWriteChunks<long> Chunks = CopyOnWriteChunks<long>.Create();

        public void Write(int i, long v) => Chunks.Writable(i) = v;
    }
}
