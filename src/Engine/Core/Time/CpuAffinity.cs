using System.Runtime.InteropServices;

namespace Sig.Engine.Time;

/// <summary>
/// The CPUs a thread may run on (Linux <c>sched_getaffinity</c> / <c>sched_setaffinity</c>): the
/// pinned shard threads and the platform stall probe bind themselves with it. Scheduling only;
/// never an input to any output.
/// </summary>
public static class CpuAffinity
{
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

    /// <summary>Binds the calling thread to <paramref name="cpu"/> alone; false where that is not possible (not Linux, or the kernel refused).</summary>
    public static bool BindCurrentThread(int cpu)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cpu);
        if (!OperatingSystem.IsLinux() || cpu >= MaskWords * 64) return false;
        var mask = new ulong[MaskWords];
        mask[cpu >> 6] = 1UL << (cpu & 63);
        return sched_setaffinity(0, (nint)(MaskWords * sizeof(ulong)), mask) == 0;
    }

    // 1,024 CPUs: the kernel's default cpu_set_t.
    private const int MaskWords = 16;

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, nint size, ulong[] mask);

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_getaffinity(int pid, nint size, ulong[] mask);
}
