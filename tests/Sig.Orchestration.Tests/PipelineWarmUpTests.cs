using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Xunit;

namespace Sig.Orchestration.Tests;

/// <summary>
/// The warm-up before the open runs its own throwaway day: a replay after it gives the bytes it gave
/// before it, its temporary store is gone afterwards, and it reports what it took.
/// </summary>
public sealed class PipelineWarmUpTests(SmallStoreFixture market) : IClassFixture<SmallStoreFixture>
{
    private string Replay(EngineConfig config)
    {
        var source = new StoreEventSource([market.Ticks.Dates[0]], market.Ticks.OpenDay, lanes: 2, order: StoreReadOrder.ByMinute);
        return StoreReplay.Run(config, 2, source, reuseOutputBuffers: true).DigestHex;
    }

    [Fact]
    public void A_replay_after_the_warm_up_gives_the_same_bytes_and_the_warm_up_leaves_no_store_behind()
    {
        var config = new EngineConfig { Actors = new ActorOptions { HoldSourceDuringSteps = true } };
        string before = Replay(config);
        string parent = Directory.CreateDirectory(Path.Combine(market.Root, "warm-up-parent")).FullName;

        var result = PipelineWarmUp.Run(config, 2, PipelineOutputs.All, StoreReadOrder.ByMinute, reuseOutputBuffers: true, TimeSpan.FromSeconds(2), parent);

        Assert.True(result.Wall > TimeSpan.Zero && result.Cpu >= TimeSpan.Zero && result.MethodsCompiled >= 0, result.ToString());
        Assert.Empty(Directory.GetFileSystemEntries(parent));
        Assert.Equal(before, Replay(config));
        Assert.Equal(before, Replay(config with { Actors = config.Actors with { WarmUpBeforeOpen = false } }));
    }

    [Fact]
    public void It_is_on_by_default_and_read_from_the_configuration()
    {
        Assert.True(new EngineConfig().Actors.WarmUpBeforeOpen);
        string file = Path.Combine(market.Root, "warm-up-off.json");
        File.WriteAllText(file, """{ "actors": { "warmUpBeforeOpen": false } }""");
        Assert.False(EngineConfig.Load(file).Actors.WarmUpBeforeOpen);
    }
}
