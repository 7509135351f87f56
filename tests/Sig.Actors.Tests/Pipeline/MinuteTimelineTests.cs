using System.Diagnostics;
using Sig.Actors.Pipeline;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

public class MinuteTimelineTests
{
    private static readonly int Points = Enum.GetValues<MinutePoint>().Length;

    [Fact]
    public void A_point_keeps_its_latest_mark_so_the_last_shard_counts()
    {
        var t = new MinuteTimeline();
        t.Mark(MinutePoint.ShardDone, 5, 300);
        t.Mark(MinutePoint.ShardDone, 5, 700);
        t.Mark(MinutePoint.ShardDone, 5, 500);
        Assert.Equal(700, t.At(MinutePoint.ShardDone, 5));
        Assert.Equal(0, t.At(MinutePoint.ShardDone, 6));
        t.Mark(MinutePoint.ShardDone, 241, 1); // outside the session: ignored
        Assert.Equal(0, t.At(MinutePoint.ShardDone, 241));
    }

    [Fact]
    public void Stages_are_the_gaps_between_consecutive_points_of_complete_minutes_only()
    {
        var t = new MinuteTimeline();
        long f = Stopwatch.Frequency;
        // Minute 2: point p at p * (p + 1) / 2 milliseconds, so the gap from p to p + 1 is p + 1 ms.
        for (int p = 0; p < Points; p++) t.Mark((MinutePoint)p, 2, 1 + f * p * (p + 1) / 2 / 1000);
        // Minute 3 misses its last point: not reported.
        for (int p = 0; p + 1 < Points; p++) t.Mark((MinutePoint)p, 3, 1 + p);
        var stages = t.Stages();
        var (minute, ms) = Assert.Single(stages);
        Assert.Equal(2, minute);
        Assert.Equal(Points - 1, ms.Length);
        for (int i = 0; i < ms.Length; i++) Assert.Equal(i + 1, ms[i], precision: 6);
    }
}
