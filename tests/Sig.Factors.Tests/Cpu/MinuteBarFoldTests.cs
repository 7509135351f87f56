using Sig.Factors;
using Sig.Factors.Intraday;
using Sig.Engine.Time;
using Sig.Factors.Cpu;
using Xunit;
using static Sig.Factors.Tests.Cpu.FactorTestKit;

namespace Sig.Factors.Tests.Cpu;

/// <summary>The fold's edge cases: quiet minutes re-evaluated in part, and a fill for a bar already folded.</summary>
public class MinuteBarFoldTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(9)]
    public void A_quiet_minute_reevaluated_in_part_equals_a_full_evaluation(int seed)
    {
        // Sparse days: most minutes after the first half hour have no event for the symbol.
        var events = RandomDay.Make(seed, 400, sparse: true);
        var s = new SymbolDayState(RandomDay.Symbol);
        var ev = new IntradayFactorEvaluator();
        var row = new double[FactorCatalog.Count];
        long seen = -1;
        int next = 0, quiet = 0;
        for (int m = 1; m <= 240; m++)
        {
            while (next < events.Count && SessionBars.BarOf(events[next].Time) <= m) s.Apply(events[next++]);
            if (s.Version == seen) { ev.EvaluateQuiet(s, m, row); quiet++; }
            else ev.Evaluate(s, m, Default, row);
            seen = s.Version;
            AssertBitIdentical(FromScratch(events, m), row, $"seed {seed} m {m}");
        }
        Assert.True(quiet > 100, $"only {quiet} quiet minutes");
    }

    [Fact]
    public void A_fill_for_a_bar_already_folded_refolds_from_the_first_bar()
    {
        var events = RandomDay.Make(4, 900);
        var early = events.Where(e => SessionBars.BarOf(e.Time) <= 100).ToList();
        int fill = early.FindLastIndex(e => e.IsFill && SessionBars.BarOf(e.Time) is > 50 and <= 100);
        var held = early[fill];
        early.RemoveAt(fill);
        var s = new SymbolDayState(RandomDay.Symbol);
        foreach (var e in early) s.Apply(e);
        Evaluate(s, 100, Default); // folds bars 1..100 without the held fill
        Assert.Equal(100, s.BarFold.FoldedThrough);
        s.Apply(held);
        Assert.Equal(0, s.BarFold.FoldedThrough);
        early.Insert(fill, held);
        AssertBitIdentical(FromScratch(early, 100), Evaluate(s, 100, Default), "refolded");
    }

    [Fact]
    public void A_copy_folds_on_independently()
    {
        var events = RandomDay.Make(2, 800);
        var s = new SymbolDayState(RandomDay.Symbol);
        foreach (var e in events.Where(e => SessionBars.BarOf(e.Time) <= 120)) s.Apply(e);
        Evaluate(s, 120, Default);
        var copy = s.Clone();
        foreach (var e in events.Where(e => SessionBars.BarOf(e.Time) > 120)) s.Apply(e);
        AssertBitIdentical(FromScratch(events, 240), Evaluate(s, 240, Default), "original");
        // The copy never saw bars 121..: as of 150 they are empty bars.
        AssertBitIdentical(FromScratch(events.Where(e => SessionBars.BarOf(e.Time) <= 120).ToList(), 150), Evaluate(copy, 150, Default), "copy");
    }
}
