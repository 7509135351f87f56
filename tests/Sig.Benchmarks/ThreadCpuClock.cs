using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Sig.Benchmarks;

/// <summary>
/// A clock that counts the benchmark thread's CPU time (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>)
/// instead of wall time: on a shared machine whose other processes hold the cores, wall time
/// mostly measures waiting for a core, CPU time what the code costs.
/// </summary>
public sealed class ThreadCpuClock : IClock
{
    public string Title => "ThreadCpu";
    public bool IsAvailable => Sig.Engine.Time.ThreadCpuClock.IsAvailable;
    public Frequency Frequency => new(1e9);

    public long GetTimestamp() => Sig.Engine.Time.ThreadCpuClock.Nanoseconds();
}

/// <summary>In-process runs timed by <see cref="ThreadCpuClock"/> (the clock has to live in the benchmark's own process).</summary>
public sealed class ThreadCpuTimeConfig : ManualConfig
{
    public ThreadCpuTimeConfig() =>
        AddJob(Job.Default.WithClock(new ThreadCpuClock()).WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(2).WithIterationCount(10).WithId("ThreadCpu"));
}
