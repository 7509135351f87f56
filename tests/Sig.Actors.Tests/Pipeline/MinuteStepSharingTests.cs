using Sig.Actors.Pipeline;
using Sig.Engine.Config;
using Sig.Factors.Cpu;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

/// <summary>
/// actors.shareMinuteSteps: the shards post their minute steps on one board, every step of every
/// shard is posted, and the bytes are those of shards that each evaluate only their own symbols,
/// and of one shard.
/// </summary>
public sealed class MinuteStepSharingTests
{
    [Fact]
    public async Task Shards_sharing_their_steps_give_the_bytes_of_shards_that_do_not()
    {
        // Two shards of 300 symbols: 3 chunks of 128 a step each.
        var day = InMemoryDay.Random(600, 41, eventsPerSymbol: 60);
        using var backend = new CpuComputeBackend(1);
        var shared = new MarketPipeline(new BigOrderOptions(), backend, shards: 2,
            new ActorOptions { MailboxCapacity = 4, HoldSourceDuringSteps = true, PinShardThreads = true, ShareMinuteSteps = true });
        await shared.RunAsync(PipelineKit.Store(day));
        var alone = new MarketPipeline(new BigOrderOptions(), backend, shards: 2, new ActorOptions { MailboxCapacity = 4 }); // off by default
        await alone.RunAsync(PipelineKit.Store(day));
        var one = new MarketPipeline(new BigOrderOptions(), backend, shards: 1, new ActorOptions { MailboxCapacity = 4, ShareMinuteSteps = true });
        await one.RunAsync(PipelineKit.Store(day));

        Assert.NotNull(shared.HelpBoard);
        Assert.Equal(240 * 2 * 3, shared.HelpBoard.ChunksPosted);
        Assert.Null(alone.HelpBoard);
        Assert.Null(one.HelpBoard); // nobody to share with
        Assert.Equal(alone.DigestHex, shared.DigestHex);
        Assert.Equal(one.DigestHex, shared.DigestHex);
        Assert.Equal(alone.Last!.Counters, shared.Last!.Counters);
    }
}
