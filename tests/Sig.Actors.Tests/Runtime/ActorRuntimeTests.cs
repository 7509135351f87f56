using System.Threading.Channels;
using Sig.Actors.Runtime;
using Sig.Engine.Config;
using Xunit;

namespace Sig.Actors.Tests.Runtime;

public class ActorRuntimeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>50 batches of 10 values; value v sits in message v / 10 + 1.</summary>
    private static IEnumerable<long[]> Batches(int messages = 50) =>
        Enumerable.Range(0, messages).Select(m => Enumerable.Range(m * 10, 10).Select(v => (long)v).ToArray());

    /// <summary>Runs a fold actor over the batches and returns its final (state, count) and the actor.</summary>
    private static async Task<(long State, long Count, ActorRef<long[]> Actor)> RunFold(
        FailurePlan plan, IEnumerable<long[]> batches, SupervisionOptions? supervision = null, List<ActorFailure>? log = null)
    {
        await using var system = new ActorSystem(new ActorOptions { MailboxCapacity = 4 }, supervision,
            f => { if (log is not null) lock (log) log.Add(f); });
        FoldBehavior? latest = null;
        var actor = system.Spawn("fold", () => latest = new FoldBehavior(plan, snapshotEvery: 4));
        foreach (var batch in batches) await actor.SendAsync(batch);
        await system.StopAsync().WaitAsync(Timeout);
        return (latest!.State, latest.Count, actor);
    }

    [Fact]
    public async Task Messages_are_handled_in_send_order()
    {
        await using var system = new ActorSystem(new ActorOptions { MailboxCapacity = 8 });
        var seen = new List<long>();
        var actor = system.Spawn("recorder", () => new RecordingBehavior(seen));
        for (long i = 0; i < 5000; i++)
        {
            if (i % 3 == 0 && actor.TrySend([i])) continue;
            await actor.SendAsync([i]);
        }
        await system.StopAsync().WaitAsync(Timeout);
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => (long)i), seen);
        Assert.Equal(5000, actor.Processed);
    }

    [Fact]
    public async Task Full_mailbox_makes_the_sender_wait_until_the_consumer_takes_one()
    {
        await using var system = new ActorSystem();
        var busy = new SemaphoreSlim(0);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = system.Spawn<int>("slow", () => new GatedBehavior(busy, release.Task), mailboxCapacity: 2);

        await actor.SendAsync(1);
        Assert.True(await busy.WaitAsync(Timeout), "consumer never started"); // the consumer holds message 1
        await actor.SendAsync(2);
        await actor.SendAsync(3); // the mailbox (capacity 2) is now full
        var blocked = actor.SendAsync(4);
        await Task.Delay(200);
        Assert.False(blocked.IsCompleted, "send into a full mailbox completed");
        Assert.False(actor.TrySend(5));

        release.SetResult(); // the consumer finishes 1 and takes 2: room for 4
        await blocked.AsTask().WaitAsync(Timeout);
        await system.StopAsync().WaitAsync(Timeout);
        Assert.Equal(4, actor.Processed);
    }

    private sealed class GatedBehavior(SemaphoreSlim busy, Task release) : IActorBehavior<int>
    {
        public async ValueTask HandleAsync(int message, ActorContext context)
        {
            busy.Release();
            await release;
        }
    }

    [Fact]
    public async Task Restart_from_snapshot_and_replay_reaches_the_state_of_a_run_without_failure()
    {
        var clean = await RunFold(new FailurePlan(), Batches());
        // Value 225 is in message 23: snapshot after message 20, so 21 and 22 are replayed.
        var plan = new FailurePlan().FailOn(225, times: 1);
        var log = new List<ActorFailure>();
        var failed = await RunFold(plan, Batches(), log: log);

        Assert.Equal(clean.State, failed.State);
        Assert.Equal(500, failed.Count);
        Assert.Equal(1, failed.Actor.Failures);
        Assert.Equal(1, failed.Actor.Restarts);
        Assert.Equal(0, failed.Actor.PoisonMessages);
        Assert.Equal(50, failed.Actor.Processed);
        Assert.Equal(2, plan.ReplayedMessages);
        var failure = Assert.Single(log);
        Assert.Equal(("fold", ActorFailureKind.HandlerFailed, 23L, "Int64[10]"), (failure.ActorName, failure.Kind, failure.MessageNumber, failure.Message));
        Assert.IsType<InvalidOperationException>(failure.Exception);
    }

    [Fact]
    public async Task Poison_message_is_dropped_after_the_configured_attempts()
    {
        var batches = Batches().ToList();
        var withoutPoison = await RunFold(new FailurePlan(), batches.Where((_, i) => i != 30));
        var log = new List<ActorFailure>();
        var poisoned = await RunFold(new FailurePlan().FailOn(305, times: int.MaxValue), batches, log: log);

        Assert.Equal(withoutPoison.State, poisoned.State);
        Assert.Equal(490, poisoned.Count);
        Assert.Equal(3, poisoned.Actor.Failures);
        Assert.Equal(1, poisoned.Actor.PoisonMessages);
        Assert.Equal(49, poisoned.Actor.Processed);
        Assert.Equal(
            [ActorFailureKind.HandlerFailed, ActorFailureKind.HandlerFailed, ActorFailureKind.HandlerFailed, ActorFailureKind.PoisonDropped],
            log.Select(f => f.Kind));
        Assert.All(log, f => Assert.Equal(31, f.MessageNumber));
    }

    [Fact]
    public async Task Completion_drains_the_mailbox()
    {
        var system = new ActorSystem(new ActorOptions { MailboxCapacity = 16 });
        var seen = new List<long>();
        var actor = system.Spawn("recorder", () => new SlowRecorder(seen));
        var sends = Task.Run(async () =>
        {
            for (long i = 0; i < 200; i++) await actor.SendAsync([i]);
            actor.Complete();
        });
        await sends.WaitAsync(Timeout);
        await actor.Completion.WaitAsync(Timeout);
        Assert.Equal(200, seen.Count);
        await Assert.ThrowsAsync<ChannelClosedException>(async () => await actor.SendAsync([1]));
        await system.StopAsync();
    }

    private sealed class SlowRecorder(List<long> seen) : IActorBehavior<long[]>
    {
        public async ValueTask HandleAsync(long[] batch, ActorContext context)
        {
            await Task.Yield();
            seen.AddRange(batch);
        }
    }

    [Fact]
    public async Task Exceeding_the_restart_limit_stops_the_actor_and_faults_its_completion()
    {
        var log = new List<ActorFailure>();
        await using var system = new ActorSystem(supervision: new SupervisionOptions { MaxRestarts = 2, PoisonAttempts = 10 },
            onFailure: f => log.Add(f));
        var actor = system.Spawn("doomed", () => new FoldBehavior(new FailurePlan().FailOn(3, int.MaxValue), snapshotEvery: 4));
        await actor.SendAsync([1, 2, 3]);

        var fault = await Assert.ThrowsAsync<ActorFailedException>(() => actor.Completion.WaitAsync(Timeout));
        Assert.Equal("doomed", fault.ActorName);
        Assert.IsType<InvalidOperationException>(fault.InnerException);
        Assert.Equal(3, actor.Failures);
        Assert.Equal(2, actor.Restarts);
        Assert.Equal(ActorFailureKind.Stopped, log[^1].Kind);
        await Assert.ThrowsAnyAsync<ChannelClosedException>(async () => await actor.SendAsync([4]));
        await Assert.ThrowsAsync<AggregateException>(system.StopAsync);
    }

    [Fact]
    public async Task Restarts_outside_the_window_do_not_accumulate()
    {
        // One failure every 20 messages, at most 1 restart per 10 messages: never stopped.
        var plan = new FailurePlan();
        for (long v = 5; v < 500; v += 200) plan.FailOn(v, times: 1);
        var run = await RunFold(plan, Batches(), new SupervisionOptions { MaxRestarts = 1, RestartWindowMessages = 10 });
        Assert.Equal(3, run.Actor.Restarts);
        Assert.True(run.Actor.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task A_restarted_stage_does_not_resend_downstream_and_stop_drains_in_order()
    {
        var system = new ActorSystem(new ActorOptions { MailboxCapacity = 2 });
        var seen = new List<long>();
        var plan = new FailurePlan().FailOn(137, times: 2);
        // Downstream first: the fold needs the sink's ref; stopping goes the other way round.
        var sink = system.Spawn("sink", () => new RecordingBehavior(seen));
        var fold = system.Spawn("fold", () => new FoldBehavior(plan, snapshotEvery: 5, downstream: sink));
        Assert.Throws<ArgumentException>(() => system.Spawn("sink", () => new RecordingBehavior(seen)));
        foreach (var batch in Batches()) await fold.SendAsync(batch);

        await system.StopAsync().WaitAsync(Timeout);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), seen);
        Assert.Equal(2, system.Failures);
        Assert.Equal(2, system.Restarts);
        Assert.Equal(["sink", "fold"], system.Actors.Select(a => a.Name));
    }
}
