using System.Runtime.InteropServices;

namespace Sig.Engine.Time;

/// <summary>
/// The calling thread's minor page faults so far (Linux <c>getrusage(RUSAGE_THREAD)</c>), for
/// benchmarks that tell a step's own first touches of fresh memory from a stall it did not cause.
/// Not available elsewhere (<see cref="IsAvailable"/>); never an input to any output.
/// </summary>
public static class ThreadPageFaults
{
    private const int RusageThread = 1;
    // struct rusage on 64-bit Linux: two timevals (4 longs), then maxrss, ixrss, idrss, isrss, minflt, ...
    private const int Longs = 18, MinorFaultIndex = 8;

    /// <summary>True where the count can be read (Linux).</summary>
    public static bool IsAvailable { get; } = OperatingSystem.IsLinux();

    /// <summary>The calling thread's minor page faults so far; 0 where <see cref="IsAvailable"/> is false.</summary>
    public static unsafe long Minor()
    {
        if (!IsAvailable) return 0;
        long* usage = stackalloc long[Longs];
        return getrusage(RusageThread, usage) == 0 ? usage[MinorFaultIndex] : 0;
    }

    [DllImport("libc")]
    private static extern unsafe int getrusage(int who, long* usage);
}
