using Sig.Engine.Events;
using Xunit;
using Sig.Factors.Compute;
using static Sig.Factors.Tests.Cpu.FactorTestKit;

namespace Sig.Factors.Tests.Cpu;

/// <summary>Seeded random properties: incremental as-of values vs a recompute and vs the independent reference.</summary>
public class IncrementalPropertyTests
{
    private static readonly int[] InterestingMinutes = [1, 2, 3, 29, 30, 31, 60, 119, 120, 121, 150, 210, 211, 212, 213, 239, 240];

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 12).Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Incremental_equals_recompute_bit_for_bit_and_matches_the_reference(int seed)
    {
        var events = RandomDay.Make(seed, 600 + seed * 40, sparse: seed % 3 == 0);
        var incremental = Incremental(events);
        var rng = new Random(seed);
        var minutes = InterestingMinutes.Concat(Enumerable.Range(0, 6).Select(_ => rng.Next(1, 241)));
        foreach (int m in minutes)
        {
            AssertBitIdentical(FromScratch(events, m), incremental[m], $"seed {seed} m {m} recompute");
            AssertClose(ReferenceFactors.Compute(events, m), incremental[m], $"seed {seed} m {m} reference");
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Value_as_of_240_is_the_daily_value_bit_for_bit(int seed)
    {
        var events = RandomDay.Make(seed, 800);
        var daily = FromScratch(events, 240); // one batch: every event applied at once, evaluated at the close
        AssertBitIdentical(daily, Incremental(events)[240], $"seed {seed}");
        Assert.Contains(daily, x => !double.IsNaN(x));
    }

    [Theory]
    [InlineData(7, 2.0)]
    [InlineData(8, 0.5)]
    [InlineData(9, 0.0)]
    public void Other_thresholds_match_the_reference(int seed, double k)
    {
        var events = RandomDay.Make(seed, 900);
        var settings = new FactorSettings(k, 0);
        foreach (int m in new[] { 30, 120, 240 })
            AssertClose(ReferenceFactors.Compute(events, m, k), FromScratch(events, m, settings), $"k {k} m {m}");
    }

    [Fact]
    public void Minimum_amount_floor_matches_the_reference()
    {
        var events = RandomDay.Make(11, 900);
        long floor = 5_000_000_000; // 500k CNY in ticks
        AssertClose(ReferenceFactors.Compute(events, 240, 1.0, floor), FromScratch(events, 240, new FactorSettings(1.0, floor)), "floor");
    }

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public void Slow_moving_prices_keep_full_precision(int seed)
    {
        // Price 10000.00 CNY moving one tick at a time: Σx² − (Σx)²/n would lose every digit here.
        var events = RandomDay.Make(seed, 1500, basePriceTicks: 100_000_000);
        foreach (int m in new[] { 31, 121, 240 })
            AssertClose(ReferenceFactors.Compute(events, m), FromScratch(events, m), $"slow m {m}");
    }

    [Fact]
    public void Cancellations_never_count_as_fills_or_orders()
    {
        var events = RandomDay.Make(5, 700);
        var without = events.Where(e => !(e.Kind == TickKind.Trade && e.Type == 'C') && !(e.Kind == TickKind.Order && e.Type == 'D')).ToList();
        Assert.True(without.Count < events.Count);
        foreach (int m in new[] { 30, 240 })
            AssertBitIdentical(FromScratch(without, m), FromScratch(events, m), $"m {m}");
    }
}
