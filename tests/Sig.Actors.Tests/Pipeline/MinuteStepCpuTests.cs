using Sig.Engine.Time;
using Sig.Factors.Cpu;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

/// <summary>
/// Each minute step's wall time comes with the shard thread's own CPU in it (the benchmarks tell a
/// step's cost from its waiting by the difference): one entry per step, never more CPU than wall,
/// and a step that blocks shows its wait as wall without CPU.
/// </summary>
public sealed class MinuteStepCpuTests
{
    [Fact]
    public void Every_step_has_its_thread_cpu_and_a_blocked_step_shows_the_wait_as_wall_only()
    {
        if (!ThreadCpuClock.IsAvailable) return; // the thread CPU clock is read on Linux only (CI runs there)
        var day = InMemoryDay.Random(30, 41, eventsPerSymbol: 1000);
        // Minute 100 blocks 40 ms in each shard's evaluation: waiting, not computing.
        using var blocking = new FlakyBackend(new CpuComputeBackend(1), (_, minute) =>
        {
            if (minute == 100) Thread.Sleep(40); // wall-clock ok: the step must block (wait without CPU) for the test to see it
            return false;
        });
        var (pipeline, _) = PipelineKit.Run(PipelineKit.Store(day), shards: 2, backend: blocking);

        var wall = pipeline.ComputeMillis.ToArray();
        var cpu = pipeline.ComputeCpuMillis.ToArray();
        Assert.Equal(2 * SessionBars.BarsPerDay, wall.Length);
        Assert.Equal(wall.Length, cpu.Length);
        Assert.True(cpu.Sum() > 0, "no CPU recorded in any step");
        // The CPU interval nests inside the wall one, so CPU exceeds wall only by the thread clock's
        // own step: nanoseconds where the kernel's scheduler clock reads the TSC, a whole tick where
        // it counts jiffies (some virtual machines).
        double slack = 0.05 + ThreadClockStepMillis();
        for (int k = 0; k < wall.Length; k++)
            Assert.True(cpu[k] >= 0 && cpu[k] <= wall[k] + slack, $"step {k}: {cpu[k]:F3} ms of CPU in {wall[k]:F3} ms of wall (clock step {slack - 0.05:F3} ms)");
        // Per shard in minute order: entry 99 of each shard's 240 is minute 100.
        foreach (int k in new[] { 99, SessionBars.BarsPerDay + 99 })
            Assert.True(wall[k] >= 38 && wall[k] - cpu[k] >= 30 - slack, $"minute 100: {wall[k]:F2} ms wall, {cpu[k]:F2} ms CPU");
    }

    [Fact]
    public unsafe void A_step_that_touches_fresh_memory_shows_its_page_faults_and_every_step_its_span_and_thread()
    {
        if (!ThreadPageFaults.IsAvailable) return; // getrusage(RUSAGE_THREAD) is read on Linux only (CI runs there)
        var day = InMemoryDay.Random(20, 43, eventsPerSymbol: 600);
        const int Pages = 2048;
        // Minute 50 writes one byte into each 4 KiB page of 8 MiB of memory fresh from the kernel (not
        // advised for huge pages, so one fault a page).
        using var touching = new FlakyBackend(new CpuComputeBackend(1), (_, minute) =>
        {
            if (minute != 50) return false;
            byte* fresh = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc(Pages * 4096);
            for (int p = 0; p < Pages; p++) fresh[p * 4096] = 1;
            System.Runtime.InteropServices.NativeMemory.Free(fresh);
            return false;
        });
        var (pipeline, _) = PipelineKit.Run(PipelineKit.Store(day), shards: 2, backend: touching);

        var faults = pipeline.ComputeFaults.ToArray();
        var spans = pipeline.ComputeStepSpans.ToArray();
        Assert.Equal(2 * SessionBars.BarsPerDay, faults.Length);
        Assert.Equal(faults.Length, spans.Length);
        foreach (int k in new[] { 49, SessionBars.BarsPerDay + 49 })
            Assert.True(faults[k] >= Pages / 2, $"minute 50: {faults[k]} faults for {Pages} fresh pages");
        Assert.All(faults, f => Assert.True(f >= 0));
        // Each step's span runs forward on a thread the kernel names (a pool thread here: the shards are not bound).
        Assert.All(spans, s => Assert.True(s.Start <= s.End && s.OsThread > 0, $"span {s}"));
    }

    /// <summary>The largest jump seen between successive distinct reads of the thread CPU clock while spinning.</summary>
    private static double ThreadClockStepMillis()
    {
        long largest = 0, last = ThreadCpuClock.Nanoseconds();
        for (int changes = 0, spins = 0; changes < 20 && spins < 50_000_000; spins++)
        {
            long now = ThreadCpuClock.Nanoseconds();
            if (now == last) continue;
            largest = Math.Max(largest, now - last);
            last = now;
            changes++;
        }
        return largest / 1e6;
    }
}
