using Sig.Actors.Pipeline;
using Sig.Engine.Config;
using Sig.Engine.Time;
using Sig.Factors.Cpu;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

/// <summary>
/// actors.pinShardThreads: shard i is bound to the (i mod n)-th allowed CPU, only the calling thread
/// is bound, and a pipeline whose shards run on threads of their own bound to CPUs gives the bytes
/// of one on the shared pool.
/// </summary>
public sealed class ShardThreadAffinityTests
{
    [Fact]
    public void Shards_take_the_allowed_cpus_in_turn()
    {
        int[] allowed = [2, 3, 7];
        Assert.Equal([2, 3, 7, 2, 3], Enumerable.Range(0, 5).Select(s => ShardThreadAffinity.CpuFor(s, allowed)));
        Assert.Throws<ArgumentException>(() => ShardThreadAffinity.CpuFor(0, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardThreadAffinity.CpuFor(-1, allowed));
    }

    [Fact]
    public void Binding_restricts_the_calling_thread_to_its_shards_cpu_and_no_other_thread()
    {
        if (!OperatingSystem.IsLinux()) return; // affinity is set on Linux only (CI runs there)
        var before = CpuAffinity.AllowedCpus();
        Assert.NotEmpty(before);
        int[]? inside = null;
        bool bound = false;
        var thread = new Thread(() =>
        {
            bound = ShardThreadAffinity.BindCurrentThread(1);
            inside = CpuAffinity.AllowedCpus();
        });
        thread.Start();
        thread.Join();
        Assert.True(bound);
        Assert.Equal([ShardThreadAffinity.CpuFor(1, before)], inside!);
        Assert.Equal(before, CpuAffinity.AllowedCpus()); // this thread was left as it was
    }

    [Fact]
    public async Task Shards_on_threads_of_their_own_bound_to_cpus_give_the_bytes_of_the_shared_pool()
    {
        var day = InMemoryDay.Random(24, 23, eventsPerSymbol: 800);
        using var backend = new CpuComputeBackend(1);
        var pooled = new MarketPipeline(new BigOrderOptions(), backend, shards: 3, new ActorOptions { MailboxCapacity = 4 });
        await pooled.RunAsync(PipelineKit.Store(day));
        var pinned = new MarketPipeline(new BigOrderOptions(), backend, shards: 3,
            new ActorOptions { MailboxCapacity = 4, PinShardThreads = true, HoldSourceDuringSteps = true });
        await pinned.RunAsync(PipelineKit.Store(day));
        Assert.Equal(pooled.DigestHex, pinned.DigestHex);
        Assert.Equal(3 * 240, pinned.ComputeMillis.Count());
    }
}
