using Sig.Engine.Time;
using Xunit;

namespace Sig.Engine.Tests.Time;

/// <summary>
/// The platform stall probe: a gap is counted in every class whose edge it reaches and is charged
/// to the thread only when its CPU clock advanced through more than half of it; a probe bound to
/// a CPU that a busy thread shares sees that thread's time slices as gaps spent off the CPU; the
/// caller's own CPUs are left as they were.
/// </summary>
public sealed class PlatformStallsTests
{
    [Fact]
    public void A_gap_counts_in_every_class_it_reaches_and_is_charged_only_past_half_on_the_cpu_clock()
    {
        var t = new CpuStallTally(3);
        t.Record(99_999, 99_999);         // under 0.1 ms: not a gap
        t.Record(100_000, 0);             // 0.1 ms
        t.Record(500_000, 500_000);       // 0.5 ms, under 1 ms: neither charged nor off
        t.Record(1_000_000, 400_000);     // 1 ms, off the CPU
        t.Record(2_000_000, 1_000_000);   // exactly half on the clock: off the CPU
        t.Record(3_200_000, 3_000_000);   // charged
        t.Record(7_000_000, 100_000);     // off the CPU
        Assert.Equal(3, t.Cpu);
        Assert.Equal(new long[] { 6, 5, 4, 2, 1 }, t.AtLeast);
        Assert.Equal(7.0, t.MaxMs);
        Assert.Equal(13.8, t.TotalMs, 9);
        Assert.Equal(1, t.ChargedOverOneMs);
        Assert.Equal(3, t.OffCpuOverOneMs);
        Assert.Equal(0, t.PerSecond(0)); // nothing probed yet
    }

    [Fact]
    public void A_probe_sharing_its_cpu_with_a_busy_thread_sees_the_slices_it_lost_as_gaps_off_the_cpu()
    {
        if (!OperatingSystem.IsLinux()) return;
        int cpu = CpuAffinity.AllowedCpus()[0];
        IReadOnlyList<CpuStallTally>? tallies = null;
        int[]? probedFrom = null, after = null;
        var stop = new ManualResetEventSlim();
        var busy = new Thread(() =>
        {
            Assert.True(CpuAffinity.BindCurrentThread(cpu));
            long spins = 0;
            while (!stop.IsSet) spins++;
        }) { IsBackground = true };
        var prober = new Thread(() =>
        {
            Assert.True(CpuAffinity.BindCurrentThread(cpu));
            probedFrom = CpuAffinity.AllowedCpus();
            tallies = PlatformStallProbe.Measure(TimeSpan.FromSeconds(0.6)).Tallies;
            after = CpuAffinity.AllowedCpus();
        });
        busy.Start();
        prober.Start();
        prober.Join();
        stop.Set();
        busy.Join();

        Assert.Equal(new[] { cpu }, probedFrom);
        Assert.Equal(new[] { cpu }, after); // the probe bound threads of its own, not its caller
        var t = Assert.Single(tallies!);
        Assert.Equal(cpu, t.Cpu);
        Assert.True(t.Bound);
        Assert.InRange(t.Seconds, 0.6, 30);
        Assert.True(t.Readings > 1000, $"{t.Readings} readings");
        // What the probe ran and what it lost make up the time it probed (within the clocks' resolution).
        Assert.InRange(t.OwnCpuMs + t.TotalMs, 0.5 * t.Seconds * 1000, 1.1 * t.Seconds * 1000 + 10);
        // The busy thread had the CPU for a good part of the time, in slices the probe saw as gaps.
        Assert.True(t.TotalMs >= 0.2 * 600, $"{t.TotalMs} ms of gaps in {t.Seconds} s");
        Assert.True(t.AtLeast[1] > 0, "no gap of 0.3 ms or more");
        // Slices of a millisecond or more (the kernel's choice) were spent off the CPU, not charged to the probe.
        Assert.True(t.OffCpuOverOneMs >= t.ChargedOverOneMs, $"off {t.OffCpuOverOneMs}, charged {t.ChargedOverOneMs}");
        for (int k = 1; k < t.AtLeast.Count; k++) Assert.True(t.AtLeast[k] <= t.AtLeast[k - 1]);
    }

    [Fact]
    public void Every_allowed_cpu_is_probed_once_in_ascending_order()
    {
        var reading = PlatformStallProbe.Measure(TimeSpan.FromSeconds(0.05));
        var tallies = reading.Tallies;
        Assert.True(reading.OtherThreadsCpuMs >= 0);
        var cpus = CpuAffinity.AllowedCpus();
        if (cpus.Length == 0) { Assert.Equal(-1, Assert.Single(tallies).Cpu); return; }
        Assert.Equal(cpus, tallies.Select(t => t.Cpu).ToArray());
        Assert.All(tallies, t => Assert.True(t.Bound && t.Seconds >= 0.05 && t.TotalMs <= t.Seconds * 1000 + 1e-6, $"CPU {t.Cpu}: {t.Seconds} s, {t.TotalMs} ms"));
    }
}
