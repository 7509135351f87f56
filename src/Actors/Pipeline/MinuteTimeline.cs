using System.Diagnostics;
using Sig.Engine.Time;

namespace Sig.Actors.Pipeline;

/// <summary>The points a closed minute passes on its way from the clock that closes it to its published outputs.</summary>
public enum MinutePoint
{
    /// <summary>The clock that closes the minute was journaled (set by the caller, e.g. the live benchmark).</summary>
    Closed,
    /// <summary>The last shard began handling that clock.</summary>
    ShardStart,
    /// <summary>The last shard finished its rows of the minute and sent them.</summary>
    ShardDone,
    /// <summary>The batcher began handling the minute's last part.</summary>
    BatcherReceived,
    /// <summary>The batcher joined the parts, made the payloads and sent the minute on.</summary>
    BatcherEmitted,
    /// <summary>The digest chain chained the minute and sent it on.</summary>
    Digested,
    /// <summary>The publisher's sink began publishing the minute.</summary>
    PublishStart,
    /// <summary>Every message of the minute is in the NATS client's write buffer.</summary>
    Buffered,
    /// <summary>The server confirmed the messages (one PING/PONG round trip).</summary>
    Flushed,
    /// <summary>The minute reached the pipeline's observers (set by the caller).</summary>
    Observed,
}

/// <summary>
/// Benchmark instrumentation: a <see cref="Stopwatch"/> timestamp per <see cref="MinutePoint"/>
/// and minute of one session day (the latest of several marks, so the last shard counts), from
/// which the live benchmark splits the minute-close → published latency into its stages. It
/// only records times; nothing the pipeline computes reads it. Safe to mark from several threads.
/// </summary>
public sealed class MinuteTimeline
{
    private static readonly int Points = Enum.GetValues<MinutePoint>().Length;
    private readonly long[] _ticks = new long[Points * (SessionBars.BarsPerDay + 1)];

    /// <summary>Records now as <paramref name="point"/> of <paramref name="minute"/>, unless a later time is already there.</summary>
    public void Mark(MinutePoint point, int minute) => Mark(point, minute, Stopwatch.GetTimestamp()); // wall-clock ok: benchmark timing only

    /// <summary>Records <paramref name="timestamp"/> (a <see cref="Stopwatch"/> timestamp) unless a later one is already there.</summary>
    public void Mark(MinutePoint point, int minute, long timestamp)
    {
        if ((uint)minute > SessionBars.BarsPerDay) return;
        ref long slot = ref _ticks[minute * Points + (int)point];
        long seen = Volatile.Read(ref slot);
        while (timestamp > seen)
        {
            long was = Interlocked.CompareExchange(ref slot, timestamp, seen);
            if (was == seen) return;
            seen = was;
        }
    }

    /// <summary>The timestamp of <paramref name="point"/> for <paramref name="minute"/>, or 0 when it was never marked.</summary>
    public long At(MinutePoint point, int minute) =>
        (uint)minute > SessionBars.BarsPerDay ? 0 : Volatile.Read(ref _ticks[minute * Points + (int)point]);

    /// <summary>
    /// Per minute whose every point was marked, the milliseconds spent from each point to the
    /// next (index i: from point i to point i + 1), in minute order.
    /// </summary>
    public IReadOnlyList<(int Minute, double[] StageMillis)> Stages()
    {
        var result = new List<(int, double[])>();
        for (int m = 1; m <= SessionBars.BarsPerDay; m++)
        {
            var t = new long[Points];
            bool complete = true;
            for (int p = 0; p < Points && complete; p++) complete = (t[p] = At((MinutePoint)p, m)) != 0;
            if (!complete) continue;
            var ms = new double[Points - 1];
            for (int p = 0; p + 1 < Points; p++) ms[p] = (t[p + 1] - t[p]) * 1000.0 / Stopwatch.Frequency;
            result.Add((m, ms));
        }
        return result;
    }
}
