using Akka.Actor;
using Akka.TestKit;
using Sig.Actors.Pipeline;
using Xunit;

namespace Sig.Actors.Tests.Pipeline.Stages;

/// <summary>
/// The stage protocol on Akka.NET, driven with Akka.TestKit probes: order, windows and
/// backpressure, restart from snapshot + replay under the supervisor's strategy, poison
/// messages, the restart limit and the drain at the end of stream. No test waits on time:
/// each waits for a message or a completion (with a deadline that only bounds a hang).
/// </summary>
public sealed class PipelineStageTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>50 batches of 10 values; value v sits in message v / 10 + 1.</summary>
    private static IEnumerable<long[]> Batches(int messages = 50) =>
        Enumerable.Range(0, messages).Select(m => Enumerable.Range(m * 10, 10).Select(v => (long)v).ToArray());

    /// <summary>A supervisor over stages made by <paramref name="build"/>; returns the entry stage and the run's completion.</summary>
    private async Task<(IActorRef Entry, Task Completion)> Start(StageBuilder build)
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var supervisor = Sys.ActorOf(StageProducer.Props(() => new PipelineSupervisor(build, completion)));
        var entry = await supervisor.Ask<IActorRef>(PipelineSupervisor.GetEntry.Instance, Deadline);
        return (entry, completion.Task);
    }

    private static StageMemory Memory(string name, SupervisionOptions? supervision = null, List<ActorFailure>? log = null) =>
        new(name, supervision ?? new SupervisionOptions(), snapshotEveryMinutes: 0, f => { if (log is not null) lock (log) log.Add(f); }, upstreams: 1);

    /// <summary>Runs a terminal fold stage over the batches; returns once it has handled the end of stream.</summary>
    private async Task<(FoldResult Result, StageMemory Memory)> RunFold(FailurePlan plan, IEnumerable<long[]> batches,
        SupervisionOptions? supervision = null, List<ActorFailure>? log = null, ReleaseLog? releases = null)
    {
        var memory = Memory("fold", supervision, log);
        var result = new FoldResult();
        var (fold, completion) = await Start(context => context.ActorOf(StageProducer.Props(() => new FoldStage(memory, plan, 4, result, releases)), "fold"));
        var upstream = CreateTestProbe();
        foreach (var batch in batches) fold.Tell(batch, upstream.Ref);
        fold.Tell(EndOfStream.Instance, upstream.Ref);
        await completion.WaitAsync(Deadline);
        return (result, memory);
    }

    [Fact]
    public async Task Messages_are_handled_in_order_and_each_is_acknowledged_once()
    {
        var memory = Memory("fold");
        var downstream = CreateTestProbe();
        var (fold, _) = await Start(context =>
        {
            memory.Outboxes.Add(new Outbox(downstream.Ref, capacity: 8));
            return context.ActorOf(StageProducer.Props(() => new FoldStage(memory, new FailurePlan(), 4, new FoldResult())), "fold");
        });
        var upstream = CreateTestProbe();
        var sent = Batches(200).ToList();
        foreach (var batch in sent) fold.Tell(batch, upstream.Ref);
        foreach (var batch in sent)
        {
            Assert.Same(batch, downstream.ExpectMsg<long[]>(Deadline));
            downstream.Reply(StageAck.Instance);
        }
        upstream.ReceiveN(200, Deadline).ToList().ForEach(ack => Assert.Same(StageAck.Instance, ack));
        AwaitCondition(() => Interlocked.Read(ref memory.Processed) == 200, Deadline);
        Assert.False(upstream.HasMessages, "a message was acknowledged twice");
    }

    [Fact]
    public async Task A_full_downstream_window_holds_back_acknowledgements_until_the_downstream_takes_more()
    {
        var memory = Memory("fold");
        var downstream = CreateTestProbe();
        var (fold, _) = await Start(context =>
        {
            memory.Outboxes.Add(new Outbox(downstream.Ref, capacity: 2));
            return context.ActorOf(StageProducer.Props(() => new FoldStage(memory, new FailurePlan(), 4, new FoldResult())), "fold");
        });
        var upstream = CreateTestProbe();
        var sent = Batches(5).ToList();
        foreach (var batch in sent) fold.Tell(batch, upstream.Ref);
        AwaitCondition(() => Interlocked.Read(ref memory.Processed) == 5, Deadline);

        // Two messages fill the window; the third waits in the stage, which then owes upstream its acknowledgements.
        Assert.Same(sent[0], downstream.ExpectMsg<long[]>(Deadline));
        Assert.Same(sent[1], downstream.ExpectMsg<long[]>(Deadline));
        upstream.ReceiveN(2, Deadline);
        Assert.False(upstream.HasMessages, "acknowledged while the downstream window was full");
        Assert.False(downstream.HasMessages, "sent past the window");

        downstream.Reply(StageAck.Instance); // room for the third; the fourth and fifth still wait
        Assert.Same(sent[2], downstream.ExpectMsg<long[]>(Deadline));
        downstream.Reply(StageAck.Instance);
        Assert.Same(sent[3], downstream.ExpectMsg<long[]>(Deadline));
        downstream.Reply(StageAck.Instance);
        Assert.Same(sent[4], downstream.ExpectMsg<long[]>(Deadline));
        // Nothing waits any more: the three withheld acknowledgements go upstream.
        upstream.ReceiveN(3, Deadline);
    }

    [Fact]
    public async Task Restart_from_snapshot_and_replay_reaches_the_state_of_a_run_without_failure()
    {
        var clean = await RunFold(new FailurePlan(), Batches());
        // Value 225 is in message 23: snapshot after message 20, so 21 and 22 are replayed.
        var plan = new FailurePlan().FailOn(225, times: 1);
        var log = new List<ActorFailure>();
        var failed = await RunFold(plan, Batches(), log: log);

        Assert.Equal(clean.Result.State, failed.Result.State);
        Assert.Equal(500, failed.Result.Count);
        Assert.Equal((50L, 1L, 1L, 0L), (failed.Memory.Processed, failed.Memory.Failures, failed.Memory.Restarts, failed.Memory.Poison));
        Assert.Equal(2, plan.ReplayedMessages);
        var failure = Assert.Single(log);
        Assert.Equal(("fold", ActorFailureKind.HandlerFailed, 23L, "Int64[10]"), (failure.ActorName, failure.Kind, failure.MessageNumber, failure.Message));
        Assert.IsType<InvalidOperationException>(failure.Exception);
    }

    [Fact]
    public async Task Each_message_is_released_once_when_a_snapshot_covers_it_and_never_before_its_replay()
    {
        var batches = Batches().ToList();
        var releases = new ReleaseLog();
        // Message 23 fails once: the snapshot after 20 is restored and 21, 22 are replayed, so they must not have been released.
        var failed = await RunFold(new FailurePlan().FailOn(225, times: 1), batches, releases: releases);
        Assert.Equal(500, failed.Result.Count);
        Assert.Equal(0, releases.ReadsAfterRelease);
        // Snapshots after every 4th message: 1..48 are covered and released once each; 49 and 50 are still kept for replay.
        Assert.All(batches.Take(48), b => Assert.Equal(1, releases.TimesReleased(b)));
        Assert.All(batches.Skip(48), b => Assert.Equal(0, releases.TimesReleased(b)));

        // A poison message is released when it is dropped, once; the messages replayed around it only when a snapshot covers them.
        var poisonReleases = new ReleaseLog();
        var poisoned = await RunFold(new FailurePlan().FailOn(305, times: int.MaxValue), batches, releases: poisonReleases);
        Assert.Equal(1L, poisoned.Memory.Poison);
        Assert.Equal(0, poisonReleases.ReadsAfterRelease);
        Assert.All(batches.Take(48), b => Assert.Equal(1, poisonReleases.TimesReleased(b)));
    }

    [Fact]
    public async Task Poison_message_is_dropped_after_the_configured_attempts()
    {
        var batches = Batches().ToList();
        var withoutPoison = await RunFold(new FailurePlan(), batches.Where((_, i) => i != 30));
        var log = new List<ActorFailure>();
        var poisoned = await RunFold(new FailurePlan().FailOn(305, times: int.MaxValue), batches, log: log);

        Assert.Equal(withoutPoison.Result.State, poisoned.Result.State);
        Assert.Equal(490, poisoned.Result.Count);
        Assert.Equal((49L, 3L, 1L), (poisoned.Memory.Processed, poisoned.Memory.Failures, poisoned.Memory.Poison));
        Assert.Equal(
            [ActorFailureKind.HandlerFailed, ActorFailureKind.HandlerFailed, ActorFailureKind.HandlerFailed, ActorFailureKind.PoisonDropped],
            log.Select(f => f.Kind));
        Assert.All(log, f => Assert.Equal(31, f.MessageNumber));
    }

    [Fact]
    public async Task Exceeding_the_restart_limit_stops_the_stage_and_fails_the_run()
    {
        var log = new List<ActorFailure>();
        var memory = Memory("doomed", new SupervisionOptions { MaxRestarts = 2, PoisonAttempts = 10 }, log);
        var (doomed, completion) = await Start(context =>
            context.ActorOf(StageProducer.Props(() => new FoldStage(memory, new FailurePlan().FailOn(3, int.MaxValue), 4, new FoldResult())), "doomed"));
        Watch(doomed);
        doomed.Tell(new long[] { 1, 2, 3 }, CreateTestProbe().Ref);

        ExpectTerminated(doomed, Deadline);
        var fault = await Assert.ThrowsAsync<ActorFailedException>(() => completion.WaitAsync(Deadline));
        Assert.Equal("doomed", fault.ActorName);
        Assert.IsType<InvalidOperationException>(fault.InnerException);
        Assert.Equal((3L, 2L), (memory.Failures, memory.Restarts));
        Assert.Equal(ActorFailureKind.Stopped, log[^1].Kind);
    }

    [Fact]
    public async Task Restarts_outside_the_window_do_not_accumulate()
    {
        // One failure every 20 messages, at most 1 restart per 10 messages: never stopped.
        var plan = new FailurePlan();
        for (long v = 5; v < 500; v += 200) plan.FailOn(v, times: 1);
        var run = await RunFold(plan, Batches(), new SupervisionOptions { MaxRestarts = 1, RestartWindowMessages = 10 });
        Assert.Equal(3, run.Memory.Restarts); // and the run completed: RunFold awaits it
    }

    [Fact]
    public async Task A_restarted_stage_does_not_resend_downstream_and_the_end_of_stream_drains_in_order()
    {
        var seen = new List<long>();
        var fold = Memory("fold");
        var sink = Memory("sink");
        var plan = new FailurePlan().FailOn(137, times: 2);
        var (entry, completion) = await Start(context =>
        {
            var sinkRef = context.ActorOf(StageProducer.Props(() => new RecordingStage(sink, seen)), "sink");
            fold.Outboxes.Add(new Outbox(sinkRef, capacity: 2));
            return context.ActorOf(StageProducer.Props(() => new FoldStage(fold, plan, 5, new FoldResult())), "fold");
        });
        var upstream = CreateTestProbe();
        foreach (var batch in Batches()) entry.Tell(batch, upstream.Ref);
        entry.Tell(EndOfStream.Instance, upstream.Ref);

        await completion.WaitAsync(Deadline);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), seen);
        Assert.Equal((2L, 2L, 50L), (fold.Failures, fold.Restarts, sink.Processed));
        upstream.ReceiveN(51, Deadline); // every batch and the end of stream, once each
    }
}
