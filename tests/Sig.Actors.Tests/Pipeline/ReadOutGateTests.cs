using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Factors.Cpu;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

/// <summary>
/// A by-symbol day's clocks wait until the minute <see cref="ReadOutGate.MinutesAhead"/> back is
/// published, so its read-out burst keeps a few minutes in flight; only scheduling changes.
/// </summary>
public sealed class ReadOutGateTests
{
    private static readonly DateOnly Day = new(2024, 1, 2);

    [Fact]
    public async Task A_clock_waits_for_the_minute_eight_back_of_its_date_or_for_the_bound()
    {
        var gate = new ReadOutGate();
        // The first minutes have nothing to wait for.
        await gate.WaitAsync(Day, ReadOutGate.MinutesAhead, TimeSpan.FromMinutes(5), CancellationToken.None);
        Assert.Equal(0, gate.Waits);

        var waiting = gate.WaitAsync(Day, 20, TimeSpan.FromMinutes(5), CancellationToken.None).AsTask();
        gate.Published(Day, 11);
        Assert.False(waiting.IsCompleted);
        gate.Published(Day, 12);
        await waiting.WaitAsync(TimeSpan.FromSeconds(30)); // wall-clock ok: bounds the test, the gate opened above
        Assert.Equal(1, gate.Waits);

        // Published minutes of an earlier date do not open a later date's clock; a minute never published holds it for the bound only.
        await gate.WaitAsync(Day.AddDays(1), 20, TimeSpan.FromMilliseconds(20), CancellationToken.None);
        Assert.Equal(2, gate.Waits);
        // A published minute past the one waited for opens it too; cancellation ends a wait.
        gate.Published(Day.AddDays(1), 30);
        await gate.WaitAsync(Day.AddDays(1), 25, TimeSpan.FromMinutes(5), CancellationToken.None);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await gate.WaitAsync(Day.AddDays(2), 100, TimeSpan.FromMinutes(5), cancelled.Token));
    }

    [Fact]
    public async Task A_by_symbol_days_read_out_of_minute_m_starts_after_minute_m_minus_eight_is_published()
    {
        var day = InMemoryDay.Random(9, 61, eventsPerSymbol: 300);
        int published = 0, early = 0, readOuts = 0;
        // The recording state's Evaluate(m) is minute m's read-out: record how far the outputs had got then.
        using var probe = new FlakyBackend(new CpuComputeBackend(1), (_, minute) =>
        {
            if (minute > 0)
            {
                Interlocked.Increment(ref readOuts);
                if (minute - ReadOutGate.MinutesAhead > Volatile.Read(ref published)) Interlocked.Increment(ref early);
            }
            return false;
        });
        var pipeline = new MarketPipeline(new BigOrderOptions(), probe, 2, outputs: PipelineOutputs.All);
        var outputs = new List<MinuteOutput>();
        pipeline.Outputs.Subscribe(o => { outputs.Add(o); Volatile.Write(ref published, o.Snapshot.Minute); });
        await pipeline.RunAsync(new StoreEventSource([day.Date], _ => day, lanes: 2, order: StoreReadOrder.BySymbol));
        Assert.Equal(240, outputs.Count);
        Assert.Equal(2 * 240, readOuts);
        Assert.Equal(0, early);
        Assert.True(pipeline.ReadOut!.Waits > 0, "the burst of clocks must have waited");
        Assert.Equal(DailyOutputsTests.Run([day], 2, PipelineOutputs.All)[^1].Digest, outputs[^1].Digest);
        // Daily outputs publish the close alone: no gate.
        Assert.Null(new MarketPipeline(new BigOrderOptions(), probe, 2, outputs: PipelineOutputs.Daily).ReadOut);
    }
}
