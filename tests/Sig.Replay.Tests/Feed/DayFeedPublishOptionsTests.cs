using Sig.Engine.Time;
using Sig.Replay.Feed;
using Xunit;

namespace Sig.Replay.Tests.Feed;

public class DayFeedPublishOptionsTests
{
    private static int Ms(int t) => ExchangeTime.ToMillis(t);

    [Fact]
    public void Without_SkipLunch_a_clock_is_paced_at_its_own_time()
    {
        var options = new DayFeedPublishOptions { Speed = 10 };
        foreach (int t in new[] { 91500000, 113000000, 113001000, 120000000, 130000000, 150000001 })
            Assert.Equal(Ms(t), options.PacedMillis(Ms(t)));
    }

    [Fact]
    public void SkipLunch_makes_the_lunch_window_one_second_and_moves_the_afternoon_up_by_the_rest()
    {
        var options = new DayFeedPublishOptions { Speed = 10, SkipLunch = true };
        // The morning is untouched, through the clock that closes 11:30:00's second.
        Assert.Equal(Ms(93000000), options.PacedMillis(Ms(93000000)));
        Assert.Equal(Ms(113001000), options.PacedMillis(Ms(113001000)));
        // The lunch window's clock (13:00:00) is due one second after 11:30:01, like any one-second window.
        Assert.Equal(Ms(113002000), options.PacedMillis(Ms(130000000)));
        // The afternoon keeps its spacing: 13:00:01 one second after that, the close 2 h later.
        Assert.Equal(Ms(113003000), options.PacedMillis(Ms(130001000)));
        Assert.Equal(Ms(150000001) - Ms(130000000), options.PacedMillis(Ms(150000001)) - options.PacedMillis(Ms(130000000)));
        // Anything stamped inside the break (not a clock of the plan) still paces in order.
        Assert.Equal(Ms(113001500), options.PacedMillis(Ms(113001500)));
        Assert.Equal(Ms(113002000), options.PacedMillis(Ms(120000000)));
    }

    [Fact]
    public void Paced_times_never_go_backwards()
    {
        var options = new DayFeedPublishOptions { Speed = 1, SkipLunch = true };
        int previous = int.MinValue;
        for (int ms = Ms(91500000); ms <= Ms(150000001); ms += 250)
        {
            int paced = options.PacedMillis(ms);
            Assert.True(paced >= previous, $"{ms}: {paced} < {previous}");
            previous = paced;
        }
    }
}
