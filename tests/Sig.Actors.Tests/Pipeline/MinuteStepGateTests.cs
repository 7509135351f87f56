using System.Runtime.CompilerServices;
using Sig.Actors.Pipeline;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

/// <summary>
/// With actors.holdSourceDuringSteps the source is held after each clock until every shard has handled it,
/// so minute steps get the cores; only scheduling changes, never the outputs.
/// </summary>
public sealed class MinuteStepGateTests
{
    private static readonly DateOnly Day = new(2024, 1, 2);

    [Fact]
    public void The_gate_opens_only_once_every_shard_has_handled_the_latest_clock_sent()
    {
        var gate = new MinuteStepGate(shards: 2);
        Assert.True(gate.IsOpen);
        gate.Sent(Day, 93_100_000);
        Assert.False(gate.IsOpen);
        gate.Handled(0, Day, 93_100_000);
        Assert.False(gate.IsOpen);
        gate.Handled(1, Day, 93_100_000);
        Assert.True(gate.IsOpen);

        // A later clock closes it again; a shard replaying an older clock after a restart does not
        // move its handled clock back, and a clock of the next day orders after every time of this one.
        gate.Sent(Day, 93_200_000);
        gate.Handled(0, Day, 93_200_000);
        gate.Handled(1, Day, 93_200_000);
        gate.Handled(1, Day, 93_100_000);
        Assert.True(gate.IsOpen);
        gate.Sent(Day.AddDays(1), 93_100_000);
        gate.Handled(0, Day, 150_000_000);
        gate.Handled(1, Day, 150_000_000);
        Assert.False(gate.IsOpen);
    }

    [Fact]
    public async Task A_wait_ends_when_the_last_shard_handles_the_clock_or_at_the_bound()
    {
        var gate = new MinuteStepGate(shards: 2);
        gate.Sent(Day, 93_100_000);
        gate.Handled(0, Day, 93_100_000);
        var waiting = gate.WaitAsync(TimeSpan.FromMinutes(5), CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        gate.Handled(1, Day, 93_100_000);
        await waiting.WaitAsync(TimeSpan.FromSeconds(30)); // wall-clock ok: bounds the test, the gate opened above
        Assert.Equal((1, 0), (gate.Waits, gate.TimedOut));

        // A shard that never handles the clock (stopped for good) holds the source only for the bound.
        gate.Sent(Day, 93_200_000);
        gate.Handled(0, Day, 93_200_000);
        await gate.WaitAsync(TimeSpan.FromMilliseconds(20), CancellationToken.None);
        Assert.Equal((2, 1), (gate.Waits, gate.TimedOut));
        Assert.False(gate.IsOpen);

        // An open gate does not wait.
        gate.Handled(1, Day, 93_200_000);
        await gate.WaitAsync(TimeSpan.FromMinutes(5), CancellationToken.None);
        Assert.Equal(2, gate.Waits);
    }

    [Fact]
    public async Task The_source_is_read_past_a_clock_only_after_every_shard_handled_it_and_the_outputs_do_not_change()
    {
        var day = InMemoryDay.Random(12, 17, eventsPerSymbol: 600);
        var inputs = PipelineKit.LiveInputs(day, day.References.Select(r => r.Symbol), seed: 3);
        Assert.Contains(inputs, i => i.Kind == MarketInputKind.Clock);

        var probing = new GateProbingSource(inputs);
        using var backend = new Sig.Factors.Cpu.CpuComputeBackend(1);
        var held = new MarketPipeline(new BigOrderOptions(), backend, shards: 3, new ActorOptions { MailboxCapacity = 4, HoldSourceDuringSteps = true });
        probing.Gate = held.StepGate ?? throw new InvalidOperationException("the gate was asked for");
        await held.RunAsync(probing);

        Assert.True(probing.ReadsAfterClock > 100, $"only {probing.ReadsAfterClock} reads followed a clock");
        Assert.Equal(0, probing.ReadsBeforeHandled);
        Assert.Equal(0, held.StepGate.TimedOut);
        Assert.True(held.StepGate.Waits > 0);

        var (free, _) = PipelineKit.Run(new GateProbingSource(inputs), shards: 3,
            actors: new ActorOptions { MailboxCapacity = 4 }); // off by default
        Assert.Null(free.StepGate);
        Assert.Equal(free.DigestHex, held.DigestHex);
        Assert.Equal(free.Last!.Counters, held.Last!.Counters);
    }

    /// <summary>Counts the inputs asked for right after a clock, and how many of them found a shard that had not yet handled it.</summary>
    private sealed class GateProbingSource(IReadOnlyList<MarketInput> inputs) : IMarketEventSource
    {
        public MinuteStepGate? Gate { get; set; }

        public int ReadsAfterClock { get; private set; }

        public int ReadsBeforeHandled { get; private set; }

        public string Name => "gate-probing";

        public async IAsyncEnumerable<MarketInput> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            bool afterClock = false;
            foreach (var input in inputs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (afterClock && Gate is not null)
                {
                    ReadsAfterClock++;
                    if (!Gate.IsOpen) ReadsBeforeHandled++;
                }
                afterClock = input.Kind == MarketInputKind.Clock;
                yield return input;
            }
            await Task.CompletedTask;
        }
    }
}
