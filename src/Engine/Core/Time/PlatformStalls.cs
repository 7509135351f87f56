using System.Diagnostics;

namespace Sig.Engine.Time;

/// <summary>
/// The stalls one spinning thread saw on one CPU: every time two consecutive readings of the
/// monotonic clock lay at least <see cref="PlatformStallProbe.ThresholdNanoseconds"/> apart, the
/// gap and how far the thread's own CPU clock advanced across it. A gap the CPU clock advanced
/// through (more than half of it) was charged to the thread although it ran nothing: the virtual
/// CPU was paused beneath it (a hypervisor that does not account steal time), or the kernel ran
/// with interrupts off in its context. A gap it did not advance through was spent off the CPU:
/// another task ran there, or the hypervisor's pause was accounted as steal.
/// </summary>
public sealed class CpuStallTally
{
    private static readonly double[] Edges = [0.1, 0.3, 1, 3, 5];

    /// <summary>The lower edges of the gap classes counted, in milliseconds (each count is of gaps at least that long).</summary>
    public static IReadOnlyList<double> EdgesMs => Edges;

    private readonly long[] _atLeast = new long[Edges.Length];

    /// <summary>Creates an empty tally for <paramref name="cpu"/> (−1: none could be listed).</summary>
    public CpuStallTally(int cpu) => Cpu = cpu;

    /// <summary>The CPU the probing thread was meant for; −1 where none could be listed.</summary>
    public int Cpu { get; }

    /// <summary>True when the probing thread ran bound to <see cref="Cpu"/> alone.</summary>
    public bool Bound { get; internal set; }

    /// <summary>Seconds the thread probed.</summary>
    public double Seconds { get; internal set; }

    /// <summary>CPU the probing thread itself used, ms (about <see cref="Seconds"/> less what it lost).</summary>
    public double OwnCpuMs { get; internal set; }

    /// <summary>Clock readings the thread made (its resolution: a gap shorter than Seconds / Readings is not seen).</summary>
    public long Readings { get; internal set; }

    /// <summary>Gaps at least <see cref="EdgesMs"/>[k] ms long, by k.</summary>
    public IReadOnlyList<long> AtLeast => _atLeast;

    /// <summary>The longest gap, ms.</summary>
    public double MaxMs { get; private set; }

    /// <summary>All the gaps counted, together, ms.</summary>
    public double TotalMs { get; private set; }

    /// <summary>Gaps of 1 ms or more the thread's CPU clock advanced through (more than half): paused beneath the thread.</summary>
    public long ChargedOverOneMs { get; private set; }

    /// <summary>Gaps of 1 ms or more the thread spent off the CPU.</summary>
    public long OffCpuOverOneMs { get; private set; }

    /// <summary>Counts one gap of <paramref name="gapNs"/> across which the thread's CPU clock advanced <paramref name="cpuNs"/>.</summary>
    public void Record(long gapNs, long cpuNs)
    {
        double ms = gapNs / 1e6;
        if (ms < Edges[0]) return;
        for (int k = 0; k < Edges.Length && ms >= Edges[k]; k++) _atLeast[k]++;
        TotalMs += ms;
        if (ms > MaxMs) MaxMs = ms;
        if (ms >= 1)
        {
            if (cpuNs * 2 > gapNs) ChargedOverOneMs++;
            else OffCpuOverOneMs++;
        }
    }

    /// <summary>Gaps at least <see cref="EdgesMs"/>[k] ms long per second probed.</summary>
    public double PerSecond(int k) => Seconds > 0 ? _atLeast[k] / Seconds : 0;
}

/// <summary>
/// Measures how often, and for how long, the platform takes a CPU away from a thread that wants
/// it all the time: one thread bound to each CPU the process may use spins reading the monotonic
/// clock (and its own CPU clock) and tallies every gap between two readings (as jHiccup and
/// sysjitter do). On a quiet machine the gaps are timer ticks of microseconds; a virtual machine
/// whose host runs other guests, or a busy kernel thread, shows gaps of milliseconds. A minute
/// step that such a gap falls into is that much longer whatever the engine does, so
/// <c>engine bench jitter</c> and <c>bench replay --jitter-seconds</c> print them beside the step
/// percentiles. A benchmark's reading only: never an input to any output.
/// </summary>
public static class PlatformStallProbe
{
    /// <summary>The shortest gap counted, ns (0.1 ms: well above a reading's cost, well below a minute step).</summary>
    public const long ThresholdNanoseconds = 100_000;

    /// <summary>
    /// Spins for <paramref name="duration"/> on every CPU the calling thread may run on (on one
    /// unbound thread where none can be listed) and returns one tally per CPU, ascending, and the
    /// CPU this process's other threads used meanwhile (a gap they filled is the engine's own, not
    /// the platform's). Takes every such CPU for the whole duration: run it when nothing else is measured.
    /// </summary>
    public static PlatformStallReading Measure(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        var cpus = CpuAffinity.AllowedCpus();
        var tallies = cpus.Length == 0 ? [new CpuStallTally(-1)] : cpus.Select(c => new CpuStallTally(c)).ToArray();
        var threads = tallies.Select(t => new Thread(() => Spin(t, duration)) { IsBackground = true, Name = $"stall-probe-{t.Cpu}" }).ToArray();
        var process0 = Process.GetCurrentProcess().TotalProcessorTime;
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        double processMs = (Process.GetCurrentProcess().TotalProcessorTime - process0).TotalMilliseconds;
        return new PlatformStallReading(tallies, Math.Max(0, processMs - tallies.Sum(t => t.OwnCpuMs)));
    }

    private static void Spin(CpuStallTally tally, TimeSpan duration)
    {
        tally.Bound = tally.Cpu >= 0 && CpuAffinity.BindCurrentThread(tally.Cpu);
        long thresholdTicks = ThresholdNanoseconds * Stopwatch.Frequency / 1_000_000_000;
        long start = Stopwatch.GetTimestamp(), end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long last = start, cpu0 = ThreadCpuClock.Nanoseconds(), lastCpu = cpu0, readings = 0;
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            long cpu = ThreadCpuClock.Nanoseconds();
            readings++;
            if (now - last >= thresholdTicks)
                tally.Record((long)((now - last) * (1e9 / Stopwatch.Frequency)), cpu - lastCpu);
            last = now;
            lastCpu = cpu;
            if (now >= end) break;
        }
        tally.Seconds = (last - start) / (double)Stopwatch.Frequency;
        tally.Readings = readings;
        tally.OwnCpuMs = (lastCpu - cpu0) / 1e6;
    }
}

/// <summary>
/// A <see cref="PlatformStallProbe"/> reading: one tally per CPU and the CPU milliseconds this
/// process's other threads used while it ran (the runtime's compiler and collector, the engine's own).
/// </summary>
public sealed record PlatformStallReading(IReadOnlyList<CpuStallTally> Tallies, double OtherThreadsCpuMs);
