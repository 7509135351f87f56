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
}
