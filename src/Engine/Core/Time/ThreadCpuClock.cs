using System.Runtime.InteropServices;

namespace Sig.Engine.Time;

/// <summary>
/// The calling thread's CPU time (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>, nanoseconds), for benchmarks
/// that tell what a piece of work costs from how long it waited: on a machine whose cores other
/// threads also want, wall time adds the time the thread sat runnable without a core. Not
/// available elsewhere (<see cref="IsAvailable"/>); never an input to any output.
/// </summary>
public static class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>True where the clock can be read (Linux).</summary>
    public static bool IsAvailable { get; } = OperatingSystem.IsLinux();

    /// <summary>The calling thread's CPU nanoseconds so far; 0 where <see cref="IsAvailable"/> is false.</summary>
    /// <exception cref="InvalidOperationException">The kernel refused the read.</exception>
    public static long Nanoseconds()
    {
        if (!IsAvailable) return 0;
        if (clock_gettime(ClockThreadCpuTimeId, out var ts) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        return ts.Seconds * 1_000_000_000 + ts.Nanoseconds;
    }

    [ThreadStatic] private static int t_osThreadId;

    /// <summary>
    /// The calling thread's id as the kernel knows it (Linux <c>gettid</c>, the id runtime events
    /// carry as their OS thread id); 0 where <see cref="IsAvailable"/> is false.
    /// </summary>
    public static int OsThreadId()
    {
        if (!IsAvailable) return 0;
        if (t_osThreadId == 0) t_osThreadId = gettid();
        return t_osThreadId;
    }

    [DllImport("libc")]
    private static extern int gettid();

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int clock_gettime(int clockId, out TimeSpec time);
}
