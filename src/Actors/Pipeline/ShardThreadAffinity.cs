using System.Runtime.InteropServices;

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
        if (!OperatingSystem.IsLinux()) return false;
        var allowed = AllowedCpus();
        if (allowed.Length == 0) return false;
        var mask = new ulong[MaskWords];
        int cpu = CpuFor(shard, allowed);
        mask[cpu >> 6] = 1UL << (cpu & 63);
        return sched_setaffinity(0, (nint)(MaskWords * sizeof(ulong)), mask) == 0;
    }

    /// <summary>The CPU shard <paramref name="shard"/> is bound to, given the CPUs the process may run on (ascending).</summary>
    public static int CpuFor(int shard, IReadOnlyList<int> allowed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        if (allowed.Count == 0) throw new ArgumentException("no CPU allowed", nameof(allowed));
        return allowed[shard % allowed.Count];
    }

    /// <summary>The CPUs the calling thread may run on, ascending (Linux; empty elsewhere or on failure).</summary>
    public static int[] AllowedCpus()
    {
        if (!OperatingSystem.IsLinux()) return [];
        var mask = new ulong[MaskWords];
        if (sched_getaffinity(0, (nint)(MaskWords * sizeof(ulong)), mask) != 0) return [];
        var cpus = new List<int>();
        for (int w = 0; w < MaskWords; w++)
            for (int b = 0; b < 64; b++)
                if ((mask[w] & (1UL << b)) != 0) cpus.Add(w * 64 + b);
        return [.. cpus];
    }

    // 1,024 CPUs: the kernel's default cpu_set_t.
    private const int MaskWords = 16;

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, nint size, ulong[] mask);

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_getaffinity(int pid, nint size, ulong[] mask);
}
