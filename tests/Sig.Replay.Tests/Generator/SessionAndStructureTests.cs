using Sig.Engine.Text;
using Xunit;
using Sig.Engine.Events;
using Sig.Engine.Time;
using Sig.Replay.Generator;

namespace Sig.Replay.Tests.Generator;

/// <summary>Session timing, sequencing, reference data and determinism of the generated market.</summary>
public sealed class SessionAndStructureTests(GeneratedMonthFixture month) : IClassFixture<GeneratedMonthFixture>
{
    [Fact]
    public void SeqIsStrictlyIncreasingAndTimesAreNonDecreasingInsideTheSession()
    {
        bool gaps = false;
        foreach (var (_, reference, events) in month.SymbolDays())
        {
            Assert.NotEmpty(events);
            for (int i = 0; i < events.Length; i++)
            {
                var e = events[i];
                Assert.Equal(reference.Symbol.Value, e.Symbol);
                Assert.True(ExchangeTime.IsValid(e.Time) && ExchangeTime.InSession(e.Time), $"time {e.Time}");
                if (i == 0) continue;
                Assert.True(e.Seq > events[i - 1].Seq, $"seq {e.Seq} after {events[i - 1].Seq}");
                Assert.True(e.Time >= events[i - 1].Time, $"time goes back at seq {e.Seq}");
                gaps |= e.Seq > events[i - 1].Seq + 1;
            }
        }
        Assert.True(gaps, "channel numbering leaves gaps in seq");
    }

    [Fact]
    public void NothingIsStampedInTheLunchBreak()
    {
        foreach (var (_, _, events) in month.SymbolDays())
            Assert.DoesNotContain(events, e => e.Time > ExchangeTime.MorningClose && e.Time < ExchangeTime.AfternoonOpen);
    }

    [Fact]
    public void MinuteVolumeIsUShaped()
    {
        var volumeByHalfHour = new double[SessionBars.HalfHours + 1];
        foreach (var (_, _, events) in month.SymbolDays())
            foreach (var e in events.Where(e => e.IsFill))
                volumeByHalfHour[SessionBars.HalfHourOf(SessionBars.BarOf(e.Time))] += e.Volume;
        double midday = Math.Max(Math.Max(volumeByHalfHour[4], volumeByHalfHour[5]), volumeByHalfHour[3]);
        Assert.True(volumeByHalfHour[1] > 1.5 * midday, $"first half hour {volumeByHalfHour[1]} vs midday {midday}");
        Assert.True(volumeByHalfHour[8] > 1.3 * midday, $"last half hour {volumeByHalfHour[8]} vs midday {midday}");
    }

    [Fact]
    public void ReferenceRowsAreSortedAndTradingSymbolsHaveOne_SuspendedOnesHaveNoEvents()
    {
        int suspended = 0;
        foreach (var day in month.Sink.Days)
        {
            Assert.Same(ReferenceSchema.Default, day.Schema);
            var symbols = day.References.Select(r => r.Symbol.Value).ToArray();
            Assert.Equal(symbols.Order().ToArray(), symbols);
            Assert.All(day.References, r => Assert.Equal(day.Date, r.Date));
            var traded = day.Symbols.Select(s => s.Symbol.Value).ToHashSet();
            Assert.True(traded.IsSubsetOf(symbols), "events for a symbol without a reference row");
            suspended += symbols.Count(s => !traded.Contains(s));
        }
        Assert.True(suspended > 0, "a month of 20 stocks has some suspensions");
    }

    [Fact]
    public void PriceLimitsFollowTheBoardAndStStatus_RoundedToTheCent()
    {
        var all = month.Sink.Days.SelectMany(d => d.References).ToArray();
        Assert.Contains(all, r => r.IsSt);
        Assert.Contains(all, r => r.Symbol.Code / 1000 is 300 or 301 or 688 or 689);
        Assert.Contains(all, r => r.Symbol.Exchange == "SH");
        Assert.Contains(all, r => r.Symbol.Exchange == "SZ");
        foreach (var r in all)
        {
            double ratio = r.Symbol.LimitRatio(r.IsSt);
            if (r.IsSt) Assert.Equal(0.05, ratio);
            decimal pre = r.PreClose / 10000m;
            long up = (long)(Math.Round(pre * (1 + (decimal)ratio), 2, MidpointRounding.AwayFromZero) * 10000);
            long down = (long)(Math.Round(pre * (1 - (decimal)ratio), 2, MidpointRounding.AwayFromZero) * 10000);
            Assert.Equal(up, r.LimitUp);
            Assert.Equal(down, r.LimitDown);
            Assert.Equal(0, r.PreClose % 100);
        }
    }

    [Fact]
    public void IndexWeightsFormTwoBlocksThatEachSumToOne()
    {
        foreach (var day in month.Sink.Days)
        {
            for (int w = 0; w < 2; w++)
            {
                double sum = day.References.Sum(r => r.Weights[w]);
                Assert.InRange(sum, 1 - 1e-9, 1 + 1e-9);
            }
            Assert.DoesNotContain(day.References, r => r.Weights[0] > 0 && r.Weights[1] > 0);
            Assert.DoesNotContain(day.References, r => r.IsSt && (r.Weights[0] > 0 || r.Weights[1] > 0));
        }
    }

    [Fact]
    public void CalendarSkipsWeekendsAndHolidays()
    {
        var days = new MarketGenerator(GeneratedMonthFixture.Settings).TradingDays;
        Assert.Equal(22, days.Count);
        Assert.DoesNotContain(new DateOnly(2024, 3, 8), days);
        Assert.DoesNotContain(days, d => d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday);
        Assert.Equal(month.Sink.Days.Select(d => d.Date), days);
    }

    [Fact]
    public void MeanEventsPerStockDayIsNearTheSetting()
    {
        var counts = month.SymbolDays().Select(x => x.Events.Length).ToArray();
        double mean = counts.Average();
        Assert.InRange(mean, 0.75 * 1500, 1.3 * 1500);
        Assert.True(counts.Max() > 2 * counts.Min(), "activity is skewed across stocks");
    }

    [Fact]
    public void ListingsAndDelistingsChangeTheUniverse()
    {
        var settings = GeneratedMonthFixture.Settings with { Stocks = 200, Days = 10, EventsPerStockDay = 100 };
        var sink = GeneratedMonthFixture.Generate(settings);
        var first = sink.Days[0].References.Select(r => r.Symbol).ToHashSet();
        var last = sink.Days[^1].References.Select(r => r.Symbol).ToHashSet();
        var newcomers = last.Except(first).ToArray();
        Assert.NotEmpty(newcomers);
        Assert.NotEmpty(first.Except(last));
        foreach (var s in newcomers)
        {
            var listed = sink.Days.First(d => d.References.Any(r => r.Symbol == s));
            Assert.Equal(listed.Date, listed.References.Single(r => r.Symbol == s).ListDate);
        }
    }

    [Fact]
    public void SameSeedIsByteIdentical_AnotherSeedIsNot()
    {
        var small = GeneratedMonthFixture.Settings with { Days = 5 };
        string a = GeneratedMonthFixture.Hash(GeneratedMonthFixture.Generate(small));
        string b = GeneratedMonthFixture.Hash(GeneratedMonthFixture.Generate(small));
        string c = GeneratedMonthFixture.Hash(GeneratedMonthFixture.Generate(small with { Seed = 8 }));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void PlantedSignsAreDocumented()
    {
        string text = MarketGenerator.PlantedSignsDescription;
        foreach (var factor in new[] { "bigorder_amt_perc", "early_bigorder_buy_perc", "early_active_bigorder_ret", "No sign planted" })
            Assert.Contains(factor, text);
    }
}
