using Sig.Engine.Time;

namespace Sig.Actors.Pipeline;

/// <summary>
/// With <c>actors.pinShardThreads</c> each shard runs on a thread of its own (Akka's
/// <c>PinnedDispatcher</c>) and, on Linux, that thread is bound to one CPU: shard i to the
/// (i mod n)-th of the n CPUs the process may run on. Two shards then never take their minute
/// steps on one core while another core runs something else, which the kernel's placement
/// otherwise allowed (docs/factor-core-rounds.md, nineteenth round: on 2 cores the two step
/// threads were seen sharing one core, switched every ≈ 10 µs, for several milliseconds). The
/// other stages keep the shared thread pool and every core. Scheduling only: outputs never depend on it.
/// </summary>
public static class ShardThreadAffinity
{
    /// <summary>The Akka dispatcher, in the pipeline's configuration, that gives each shard its own thread.</summary>
    public const string Dispatcher = "sig-shard-dispatcher";

    [ThreadStatic] private static int _boundShard;
    [ThreadStatic] private static bool _bound;

    /// <summary>
    /// Binds the calling thread to shard <paramref name="shard"/>'s CPU once (later calls on the same
    /// thread for the same shard do nothing). False where binding is not possible (not Linux, or the
    /// kernel refused): the shard still has its own thread.
    /// </summary>
    public static bool BindCurrentThread(int shard)
    {
        if (_bound && _boundShard == shard) return true;
        _bound = true;
        _boundShard = shard;
        var allowed = CpuAffinity.AllowedCpus();
        return allowed.Length > 0 && CpuAffinity.BindCurrentThread(CpuFor(shard, allowed));
    }

    /// <summary>The CPU shard <paramref name="shard"/> is bound to, given the CPUs the process may run on (ascending).</summary>
    public static int CpuFor(int shard, IReadOnlyList<int> allowed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        if (allowed.Count == 0) throw new ArgumentException("no CPU allowed", nameof(allowed));
        return allowed[shard % allowed.Count];
    }
}
