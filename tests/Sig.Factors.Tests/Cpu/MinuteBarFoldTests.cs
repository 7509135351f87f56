using Sig.Factors;
using Sig.Factors.Intraday;
using Sig.Engine.Time;
using Sig.Factors.Cpu;
using Xunit;
using static Sig.Factors.Tests.Cpu.FactorTestKit;

namespace Sig.Factors.Tests.Cpu;

/// <summary>The fold's edge cases: quiet minutes re-evaluated in part, fills for bars already folded, a clone's own fold.</summary>
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
        var fold = new MinuteBarFold();
        var ev = new IntradayFactorEvaluator();
        var row = new double[FactorCatalog.Count];
        long seen = -1;
        int next = 0, quiet = 0;
        for (int m = 1; m <= 240; m++)
        {
            while (next < events.Count && SessionBars.BarOf(events[next].Time) <= m) s.Apply(events[next++]);
            if (s.Version == seen) { ev.EvaluateQuiet(s, fold, m, row); quiet++; }
            else ev.Evaluate(s, fold, m, Default, row);
            seen = s.Version;
            AssertBitIdentical(FromScratch(events, m), row, $"seed {seed} m {m}");
        }
        Assert.True(quiet > 100, $"only {quiet} quiet minutes");
    }

    [Theory]
    [InlineData(4, 0)]
    [InlineData(5, 1)]
    [InlineData(6, 2)]
    public void A_fill_for_a_bar_already_folded_refolds_from_the_first_bar(int seed, int held)
    {
        // held fills for folded bars: the last one of bars 51..100, then also the first one of bar 1..10, then a second in the same bar.
        var events = RandomDay.Make(seed, 900);
        var early = events.Where(e => SessionBars.BarOf(e.Time) <= 100).ToList();
        var holds = new List<int> { early.FindLastIndex(e => e.IsFill && SessionBars.BarOf(e.Time) is > 50 and <= 100) };
        if (held >= 1) holds.Add(early.FindIndex(e => e.IsFill && SessionBars.BarOf(e.Time) <= 10));
        if (held >= 2) holds.Add(early.FindIndex(holds[1] + 1, e => e.IsFill && SessionBars.BarOf(e.Time) == SessionBars.BarOf(early[holds[1]].Time)));
        Assert.DoesNotContain(-1, holds);
        var withheld = early.Where((_, k) => !holds.Contains(k)).ToList();
        var s = new SymbolDayState(RandomDay.Symbol);
        var fold = new MinuteBarFold();
        foreach (var e in withheld) s.Apply(e);
        AssertBitIdentical(FromScratch(withheld, 100), Evaluate(s, fold, 100, Default), "without the held fills");
        Assert.Equal(100, fold.FoldedThrough);
        foreach (int k in holds) s.Apply(early[k]); // late: their bars are folded
        // The reference: the same events in the same order (a fill's order sets its bar's close and
        // its log return), folded once from bar 1.
        var inOrder = withheld.Concat(holds.Select(k => early[k])).ToList();
        var reference = new SymbolDayState(RandomDay.Symbol);
        foreach (var e in inOrder) reference.Apply(e);
        var expected = Evaluate(reference, 100, Default);
        // The held fills change the bar factors: a fold that missed them would give other values.
        Assert.NotEqual(FromScratch(withheld, 100).Select(BitConverter.DoubleToInt64Bits), expected.Select(BitConverter.DoubleToInt64Bits));
        AssertBitIdentical(expected, Evaluate(s, fold, 100, Default), "refolded");
        AssertBitIdentical(Evaluate(reference, 120, Default), Evaluate(s, fold, 120, Default), "folded on after the refold");
    }

    [Fact]
    public void A_clone_evaluated_with_a_fold_of_its_own_folds_on_independently()
    {
        var events = RandomDay.Make(2, 800);
        var s = new SymbolDayState(RandomDay.Symbol);
        var fold = new MinuteBarFold();
        foreach (var e in events.Where(e => SessionBars.BarOf(e.Time) <= 120)) s.Apply(e);
        Evaluate(s, fold, 120, Default);
        var copy = s.Clone();
        var copyFold = new MinuteBarFold();
        AssertBitIdentical(Evaluate(s, new MinuteBarFold(), 130, Default), Evaluate(copy, copyFold, 130, Default), "the clone as of 130");
        foreach (var e in events.Where(e => SessionBars.BarOf(e.Time) > 120)) s.Apply(e);
        AssertBitIdentical(FromScratch(events, 240), Evaluate(s, fold, 240, Default), "original");
        // The copy never saw bars 121..: as of 150 they are empty bars.
        AssertBitIdentical(FromScratch(events.Where(e => SessionBars.BarOf(e.Time) <= 120).ToList(), 150), Evaluate(copy, copyFold, 150, Default), "copy");
    }
}
