using Sig.Engine.Time;
using Sig.Factors.Intraday;
using Xunit;

namespace Sig.Factors.Tests.Intraday;

/// <summary>
/// Factor 13's kept top set and product (updated by each bar's insertion, the product reused or
/// extended by the newest bar) against a recompute from the sorted bars, bit for bit, after every
/// fold: bars folded one at a time and several at once, ties of average trade size, empty bars,
/// and a fold started later; and the kept top set (two heaps split at its edge) against the first
/// ⌈3T/10⌉ bars of a fresh sort.
/// </summary>
public class MinuteBarFoldTopTests
{
    private static MinuteBarSeries RandomBars(Random rng, double tradedShare)
    {
        var bars = new MinuteBarSeries();
        for (int b = 1; b <= SessionBars.BarsPerDay; b++)
        {
            if (b > 1 && rng.NextDouble() > tradedShare) continue;
            int fills = rng.Next(1, 4);
            for (int f = 0; f < fills; f++)
            {
                // Few prices and volumes: many bars share their average trade size (ties: earlier bar first).
                long price = 100_000 + 100 * rng.Next(-20, 21);
                long volume = 100 * rng.Next(1, 4);
                bars.AddFill(b, price, volume, (byte)"BSN"[rng.Next(3)]);
            }
        }
        return bars;
    }

    private static void AssertSame(MinuteBarFold fold, string where)
    {
        double kept = fold.BigTradeSizeReturn(), fresh = fold.BigTradeSizeReturnFromScratch();
        Assert.True(BitConverter.DoubleToInt64Bits(fresh) == BitConverter.DoubleToInt64Bits(kept), $"{where}: kept {kept:R}, recomputed {fresh:R}");
    }

    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(2, 0.6)]
    [InlineData(3, 0.15)]
    public void Kept_top_product_equals_a_recompute_after_every_fold(int seed, double tradedShare)
    {
        var rng = new Random(seed);
        for (int day = 0; day < 20; day++)
        {
            var bars = RandomBars(rng, tradedShare);
            var fold = new MinuteBarFold();
            for (int m = 1; m <= SessionBars.BarsPerDay;)
            {
                fold.FoldThrough(bars, m);
                // Not every minute is evaluated: the product must also survive several bars folded at once.
                if (rng.Next(3) != 0) AssertSame(fold, $"seed {seed} day {day} m {m}");
                if (rng.Next(40) == 0)
                {
                    // A fold started later (a restored state's) folds bars 1..m at once and agrees.
                    var late = new MinuteBarFold();
                    late.FoldThrough(bars, m);
                    Assert.Equal(BitConverter.DoubleToInt64Bits(fold.BigTradeSizeReturn()), BitConverter.DoubleToInt64Bits(late.BigTradeSizeReturn()));
                }
                m += rng.Next(4) == 0 ? rng.Next(2, 9) : 1;
            }
            fold.FoldThrough(bars, SessionBars.BarsPerDay);
            AssertSame(fold, $"seed {seed} day {day} close");
        }
    }

    [Theory]
    [InlineData(4, 1.0)]
    [InlineData(5, 0.3)]
    public void Sorted_bars_carry_their_averages_larger_first_then_earlier(int seed, double tradedShare)
    {
        var rng = new Random(seed);
        for (int day = 0; day < 10; day++)
        {
            var bars = RandomBars(rng, tradedShare);
            var fold = new MinuteBarFold();
            for (int m = 1; m <= SessionBars.BarsPerDay; m += rng.Next(1, 5))
            {
                fold.FoldThrough(bars, m);
                var sorted = fold.SortedBars();
                var expected = Enumerable.Range(1, m).Where(b => bars[b].Count > 0)
                    .Select(b => (Bar: b, Average: bars[b].Amount / (double)bars[b].Count))
                    .OrderByDescending(x => x.Average).ThenBy(x => x.Bar).ToArray();
                Assert.Equal(expected, sorted);
            }
        }
    }

    [Theory]
    [InlineData(6, 1.0)]
    [InlineData(7, 0.5)]
    [InlineData(8, 0.1)]
    public void Kept_top_set_is_the_first_three_tenths_of_a_fresh_ranking_after_every_fold(int seed, double tradedShare)
    {
        // The two ranking heaps against a LINQ sort of the bars themselves: the set of bars crossing the
        // edge one insertion at a time (or several folded at once) is the set a full sort gives.
        var rng = new Random(seed);
        for (int day = 0; day < 20; day++)
        {
            var bars = RandomBars(rng, tradedShare);
            var fold = new MinuteBarFold();
            for (int m = 1; m <= SessionBars.BarsPerDay; m += rng.Next(4) == 0 ? rng.Next(2, 6) : 1)
            {
                fold.FoldThrough(bars, m);
                var ranked = Enumerable.Range(1, m).Where(b => bars[b].Count > 0)
                    .OrderByDescending(b => bars[b].Amount / (double)bars[b].Count).ThenBy(b => b).ToArray();
                int top = (int)Math.Ceiling(3 * ranked.Length / 10.0 - 1e-9);
                Assert.Equal(ranked.Take(top).Order().ToArray(), fold.TopSetBars());
            }
        }
    }

    [Fact]
    public void A_reset_fold_starts_an_empty_top_set()
    {
        var rng = new Random(5);
        var fold = new MinuteBarFold();
        fold.FoldThrough(RandomBars(rng, 0.8), 200);
        Assert.NotEqual(0.0, fold.BigTradeSizeReturn());
        fold.Reset();
        var bars = RandomBars(rng, 0.8);
        for (int m = 1; m <= 60; m++)
        {
            fold.FoldThrough(bars, m);
            AssertSame(fold, $"after reset m {m}");
        }
    }

    [Theory]
    [InlineData(4, 1.0)]
    [InlineData(5, 0.5)]
    public void Sifts_left_pending_until_the_next_insertion_give_what_sifts_settled_at_once_give(int seed, double tradedShare)
    {
        // The CPU backend settles the ranking heaps after each run of a symbol's events; a fold nobody
        // settles does it at its next insertion. Both must rank alike, bar for bar.
        var rng = new Random(seed);
        for (int day = 0; day < 10; day++)
        {
            var bars = RandomBars(rng, tradedShare);
            var settled = new MinuteBarFold();
            var pending = new MinuteBarFold();
            for (int m = 1; m <= SessionBars.BarsPerDay; m++)
            {
                settled.FoldThrough(bars, m);
                settled.SettleRanking();
                pending.FoldThrough(bars, m);
                Assert.Equal(settled.TopSetBars(), pending.TopSetBars());
                Assert.Equal(BitConverter.DoubleToInt64Bits(settled.BigTradeSizeReturn()), BitConverter.DoubleToInt64Bits(pending.BigTradeSizeReturn()));
            }
            // The heaps themselves, once the pending one is settled (SortedBars settles it).
            Assert.Equal(settled.SortedBars(), pending.SortedBars());
            AssertSame(pending, $"seed {seed} day {day}");
        }
    }
}
