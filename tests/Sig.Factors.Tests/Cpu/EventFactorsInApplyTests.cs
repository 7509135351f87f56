using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Time;
using Sig.Factors.Compute;
using Sig.Factors.Cpu;
using Sig.Factors.Intraday;
using Xunit;
using static Sig.Factors.Tests.Cpu.FactorTestKit;

namespace Sig.Factors.Tests.Cpu;

/// <summary>
/// The event factors (15–20, 23–26) evaluated once a symbol's run of events is applied and copied
/// by the minute step: the same bits as the step evaluating them itself, and a copy (a restore)
/// that has not applied the events evaluates its own.
/// </summary>
public class EventFactorsInApplyTests
{
    private const int W = FactorCatalog.Count;

    private static bool IsEventFactor(int f) =>
        f is >= IntradayFactorEvaluator.FirstEvent and < IntradayFactorEvaluator.FirstEvent + IntradayFactorEvaluator.FirstEventLength
        || f is >= IntradayFactorEvaluator.SecondEvent and < IntradayFactorEvaluator.SecondEvent + IntradayFactorEvaluator.SecondEventLength;

    private static IEnumerable<(string Name, List<TickEvent> Events, FactorSettings Settings)> Days()
    {
        yield return ("dense", RandomDay.Make(71, 900), Default);
        yield return ("sparse", RandomDay.Make(72, 250, sparse: true), Default);
        yield return ("no big order (floor above every order)", RandomDay.Make(73, 400), new FactorSettings(1.0, long.MaxValue / 4));
        yield return ("slow-moving", RandomDay.Make(74, 600, basePriceTicks: 9_000_000), new FactorSettings(0.5, 0));
    }

    [Fact]
    public void The_event_factors_are_the_two_runs_and_nothing_else_writes_them_or_is_written()
    {
        Assert.Equal(10, IntradayFactorEvaluator.EventFactorCount);
        foreach (var (name, events, settings) in Days())
        {
            var s = new SymbolDayState(RandomDay.Symbol);
            foreach (var e in events) s.Apply(e);
            var row = Enumerable.Repeat(12345.0, W).ToArray();
            IntradayFactorEvaluator.EventFactors(s, settings, row);
            for (int f = 0; f < W; f++)
                if (!IsEventFactor(f)) Assert.True(row[f] == 12345.0, $"{name}: EventFactors wrote {FactorCatalog.Names[f]}, outside the event runs");
        }
    }

    [Fact]
    public void Evaluating_with_the_applys_event_factors_gives_the_bits_of_a_full_evaluation_every_minute()
    {
        var evaluator = new IntradayFactorEvaluator();
        foreach (var (name, events, settings) in Days())
        {
            var s = new SymbolDayState(RandomDay.Symbol);
            var (full, copied) = (new MinuteBarFold(), new MinuteBarFold());
            var eventValues = new double[IntradayFactorEvaluator.EventFactorCount];
            int next = 0;
            for (int m = 1; m <= SessionBars.BarsPerDay; m++)
            {
                while (next < events.Count && SessionBars.BarOf(events[next].Time) <= m) s.Apply(events[next++]);
                var expected = new double[W];
                evaluator.Evaluate(s, full, m, settings, expected);
                evaluator.EvaluateEvents(s, settings, eventValues);
                var actual = Enumerable.Repeat(-1.0, W).ToArray();
                evaluator.Evaluate(s, copied, m, eventValues, actual);
                AssertBitIdentical(expected, actual, $"{name} m {m}");
            }
        }
    }

    [Fact]
    public void A_copy_evaluated_at_an_earlier_minute_evaluates_its_own_event_factors()
    {
        // The live state applies on after the copy (its event factors move on with its states);
        // the copy, evaluated as of the copy's minute as a restore does, must not take them.
        var symbols = Enumerable.Range(0, 4).Select(i => SymbolCode.FromParts(1 + i, "SZ")).ToArray();
        var days = Enumerable.Range(0, 4).Select(i =>
            RandomDay.Make(80 + i, 600).Select(e => { e.Symbol = symbols[i].Value; return e; }).ToList()).ToArray();
        using var backend = new CpuComputeBackend(1);
        var live = backend.CreateShard(Default, BigOrderSizing.Filled);
        live.BeginDay(symbols);
        var rows = new double[4 * W];
        var changed = new int[4];
        for (int m = 1; m < 100; m++)
        {
            FeedBar(live, days, m);
            live.Evaluate(m, rows, changed);
        }
        // Taken with minute 100's events applied and not yet evaluated, with the rows as of 99 (a
        // quiet symbol's row is carried over): the copy's symbols with events in minute 100 need
        // their event factors, which the live state evaluated in its apply.
        FeedBar(live, days, 100);
        var copy = live.Copy();
        var copyRows = (double[])rows.Clone();
        for (int m = 100; m <= 130; m++)
        {
            if (m > 100) FeedBar(live, days, m);
            live.Evaluate(m, rows, changed);
        }
        copy.Evaluate(100, copyRows, changed);
        for (int i = 0; i < 4; i++)
            AssertBitIdentical(FromScratch(days[i], 100), copyRows.AsSpan(i * W, W).ToArray(), $"copy, symbol {i}");
        // And the copy applying on from there takes its own event factors, not the live state's.
        for (int m = 101; m <= 110; m++) FeedBar(copy, days, m, (i, e) => i != 2 || e.Kind != TickKind.Order);
        copy.Evaluate(110, copyRows, changed);
        var withoutOrders = days[2].Where(e => SessionBars.BarOf(e.Time) <= 100 || e.Kind != TickKind.Order).ToList();
        AssertBitIdentical(FromScratch(withoutOrders, 110), copyRows.AsSpan(2 * W, W).ToArray(), "copy applied on without symbol 2's orders");
    }
}
