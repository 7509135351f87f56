using Sig.Engine.Time;
using Xunit;

namespace Sig.Engine.Tests.Time;

public class SessionBarsTests
{
    [Theory]
    [InlineData(91500000, 1)]   // opening auction orders
    [InlineData(92500000, 1)]   // opening auction print
    [InlineData(93000000, 1)]
    [InlineData(93059999, 1)]
    [InlineData(93100000, 2)]
    [InlineData(112959999, 120)]
    [InlineData(113000000, 120)] // trades stamped exactly 11:30:00.000 go to bar 120
    [InlineData(125959999, 120)]
    [InlineData(130000000, 121)]
    [InlineData(145859999, 239)]
    [InlineData(145900000, 240)]
    [InlineData(150000000, 240)] // closing auction print
    public void BarOf_follows_the_bar_table_of_docs_events_and_sessions(int time, int bar) => Assert.Equal(bar, SessionBars.BarOf(time));

    [Fact]
    public void Half_hours_are_thirty_bars()
    {
        Assert.Equal(1, SessionBars.HalfHourOf(1));
        Assert.Equal(1, SessionBars.HalfHourOf(30));
        Assert.Equal(2, SessionBars.HalfHourOf(31));
        Assert.Equal(8, SessionBars.HalfHourOf(211));
        Assert.Equal(8, SessionBars.HalfHourOf(240));
    }

    [Fact]
    public void Every_bar_contains_its_start_and_closes_at_the_next_start()
    {
        for (int m = 1; m <= 240; m++)
        {
            Assert.Equal(m, SessionBars.BarOf(SessionBars.StartTimeOf(m)));
            int close = SessionBars.CloseTimeOf(m);
            Assert.Equal(m - 1, SessionBars.ClosedBarsAt(ExchangeTime.FromMillis(ExchangeTime.ToMillis(close) - 1)));
            Assert.Equal(m, SessionBars.ClosedBarsAt(close));
        }
        Assert.Equal(130000000, SessionBars.CloseTimeOf(120));
        Assert.Equal(150000001, SessionBars.CloseTimeOf(240));
    }

    [Fact]
    public void Times_are_validated_and_converted()
    {
        Assert.True(ExchangeTime.IsValid(93000120));
        Assert.False(ExchangeTime.IsValid(93060000));  // 60 seconds
        Assert.False(ExchangeTime.IsValid(96000000));  // 60 minutes
        Assert.Equal(93000120, ExchangeTime.FromMillis(ExchangeTime.ToMillis(93000120)));
        Assert.Equal("09:30:00.120", ExchangeTime.Format(93000120));
    }

    [Fact]
    public void The_minute_cache_gives_BarOf_for_any_time_in_any_order()
    {
        // Every second of the day and the milliseconds around each minute start, ascending (as a run
        // reads them), then the same times shuffled with malformed clocks (09:60, 99:99, negatives,
        // the int range's ends) among them, each time with one cache.
        var times = new List<int>();
        for (int hh = 0; hh < 24; hh++)
            for (int mm = 0; mm < 60; mm++)
            {
                int minute = hh * 10000000 + mm * 100000;
                for (int ss = 0; ss < 60; ss++) times.Add(minute + ss * 1000);
                times.Add(minute + 59999); times.Add(minute + 1);
            }
        times.Sort();
        var ascending = new MinuteBarCache();
        foreach (int t in times) Assert.Equal(SessionBars.BarOf(t), ascending.BarOf(t));
        times.AddRange([96000000, 99999999, 93099999 + 1, -1, -99999, -100000, -100001, int.MinValue, int.MinValue + 1, int.MaxValue, int.MaxValue - 1, 2147400000]);
        var rng = new Random(5);
        var shuffled = times.OrderBy(_ => rng.Next()).ToList();
        var cache = new MinuteBarCache();
        foreach (int t in shuffled) Assert.Equal(SessionBars.BarOf(t), cache.BarOf(t));
        // A fresh cache's first answer, whatever the time.
        foreach (int t in new[] { 0, 50, 99999, 100000, 93100000, 150000000, -5, int.MinValue })
            Assert.Equal(SessionBars.BarOf(t), new MinuteBarCache().BarOf(t));
    }
}
