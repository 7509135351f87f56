using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// What the kernel counts for the process or the calling thread (getrusage): user and system CPU,
/// page faults, context switches. The benchmarks take the difference of two readings, so a phase's
/// or a replay's own share shows apart from the process's start-up. Where getrusage is unavailable
/// (not Linux), only the CPU is filled in, from <see cref="Process.TotalProcessorTime"/> (all of it
/// counted as user time).
/// </summary>
internal readonly record struct ResourceUsage(double UserSeconds, double SystemSeconds, long MinorFaults, long MajorFaults,
    long VoluntarySwitches, long InvoluntarySwitches)
{
    /// <summary>User plus system CPU seconds.</summary>
    public double CpuSeconds => UserSeconds + SystemSeconds;

    /// <summary>The whole process (every thread, living or ended).</summary>
    public static ResourceUsage Process() => Read(RusageSelf);

    /// <summary>The calling thread.</summary>
    public static ResourceUsage Thread() => Read(RusageThread);

    public static ResourceUsage operator -(ResourceUsage a, ResourceUsage b) => new(
        a.UserSeconds - b.UserSeconds, a.SystemSeconds - b.SystemSeconds, a.MinorFaults - b.MinorFaults, a.MajorFaults - b.MajorFaults,
        a.VoluntarySwitches - b.VoluntarySwitches, a.InvoluntarySwitches - b.InvoluntarySwitches);

    private static ResourceUsage Read(int who)
    {
        if (OperatingSystem.IsLinux() && getrusage(who, out var u) == 0)
            return new(u.UserSeconds + u.UserMicroseconds * 1e-6, u.SystemSeconds + u.SystemMicroseconds * 1e-6,
                u.MinorFaults, u.MajorFaults, u.VoluntarySwitches, u.InvoluntarySwitches);
        return new(System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, 0, 0, 0, 0, 0);
    }

    private const int RusageSelf = 0, RusageThread = 1;

    // struct rusage of Linux x86-64/arm64: two timevals, then fourteen longs.
    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSeconds, UserMicroseconds, SystemSeconds, SystemMicroseconds;
        private readonly long _maxrss, _ixrss, _idrss, _isrss;
        public long MinorFaults, MajorFaults;
        private readonly long _nswap, _inblock, _oublock, _msgsnd, _msgrcv, _nsignals;
        public long VoluntarySwitches, InvoluntarySwitches;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, out RUsage usage);
}
