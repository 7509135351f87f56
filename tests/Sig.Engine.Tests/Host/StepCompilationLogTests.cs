using System.Diagnostics;
using System.Runtime.CompilerServices;
using Sig.Engine.Host.Commands;
using Sig.Engine.Time;
using Xunit;

namespace Sig.Engine.Tests.Host;

/// <summary>`bench replay --jit-log` finds a compilation by the thread and time span of the step that waited for it.</summary>
public sealed class StepCompilationLogTests
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Marker<T>() where T : struct => Unsafe.SizeOf<T>();

    private static bool IsMarker(StepCompilationLog.Compilation c) => c.Method.EndsWith("::Marker", StringComparison.Ordinal);

    private static readonly Type[] Fresh =
    [
        typeof(ValueTuple<byte, sbyte>), typeof(ValueTuple<short, ushort>), typeof(ValueTuple<int, uint>), typeof(ValueTuple<long, ulong>),
        typeof(ValueTuple<float, double>), typeof(ValueTuple<char, bool>), typeof(ValueTuple<decimal, byte>), typeof(ValueTuple<Guid, short>),
        typeof(ValueTuple<DateTime, int>), typeof(ValueTuple<TimeSpan, long>), typeof(ValueTuple<DateOnly, float>), typeof(ValueTuple<Half, double>),
    ];

    [Fact]
    public void A_compilation_inside_a_step_span_is_found_and_one_outside_it_or_on_another_thread_is_not()
    {
        if (!ThreadCpuClock.IsAvailable) return; // the spans carry Linux thread ids
        using var log = new StepCompilationLog();
        var marker = typeof(StepCompilationLogTests).GetMethod(nameof(Marker), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        var spans = new List<(long Start, long End, int OsThread)>();
        // The listener's session starts a moment after it is made and the runtime hands it events on
        // its own thread some time later: compile a fresh instantiation inside a span of this thread
        // (and one outside any span) until the log has one to match, bounded.
        // (The reflection that calls it may compile inside the span too, and its events may come first:
        // wait for the marker's own.)
        bool MarkerFound() => log.InsideSteps(spans).Any(f => IsMarker(f.Compilation));
        for (int i = 0; i + 1 < Fresh.Length && !MarkerFound(); i += 2)
        {
            // 100 ms on either side of each compilation: the events' clock and the Stopwatch are
            // placed on one another by a single reading, so a small offset must not move either one
            // across a span's edge.
            long t0 = Stopwatch.GetTimestamp();
            Thread.Sleep(100); // wall-clock ok: a margin inside the span, no timing asserted
            marker.MakeGenericMethod(Fresh[i]).Invoke(null, null);
            Thread.Sleep(100); // wall-clock ok: as above
            spans.Add((t0, Stopwatch.GetTimestamp(), ThreadCpuClock.OsThreadId()));
            Thread.Sleep(100); // wall-clock ok: a margin outside the span
            marker.MakeGenericMethod(Fresh[i + 1]).Invoke(null, null); // outside every span
            for (int wait = 0; wait < 40 && !MarkerFound(); wait++)
                Thread.Sleep(50); // wall-clock ok: polls for the listener's event with a bound, no timing asserted
        }
        var found = log.InsideSteps(spans);
        Assert.Contains(found, f => IsMarker(f.Compilation));
        Assert.All(found, f => Assert.Equal(ThreadCpuClock.OsThreadId(), f.Compilation.OsThread));
        // At most the one instantiation a span made: never one compiled between spans.
        Assert.True(found.Count(f => IsMarker(f.Compilation)) <= spans.Count);
        // The same spans on a thread that does not exist match nothing (a neighbouring id may be a
        // real thread: the listener's own dispatcher compiles while the spans run).
        Assert.Empty(log.InsideSteps([.. spans.Select(s => (s.Start, s.End, -1))]));
    }
}
