using System.Diagnostics;
using System.Diagnostics.Tracing;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `bench replay --jit-log`: the methods the runtime compiled on a shard's thread while that thread
/// was inside a minute step — compilation the step waited for (a first call, an on-stack
/// replacement), which belongs before the open (docs/factor-core-rounds.md, "Twenty-fourth round") —
/// and those compiled on other threads while a step ran (the tiering thread's promotions).
/// Listens to the runtime's JIT events (keyword 0x10, verbose: each compilation's start and the
/// method it loaded) and matches them to the steps' spans by OS thread and time.
/// </summary>
public sealed class StepCompilationLog : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const long JitKeyword = 0x10;

    /// <summary>One compilation: the OS thread it ran on, its start and end (UTC), the method and its tier.</summary>
    public readonly record struct Compilation(int OsThread, DateTime Start, DateTime End, string Method, string Tier);

    private readonly object _gate = new();
    private readonly Dictionary<(long Thread, ulong Method), DateTime> _started = new();
    private readonly List<Compilation> _done = new();
    // One reading of both clocks, to place the steps' Stopwatch timestamps on the events' UTC times.
    private readonly DateTime _utcAtOrigin = DateTime.UtcNow; // wall-clock ok: benchmark diagnostics only
    private readonly long _ticksAtOrigin = Stopwatch.GetTimestamp();

    /// <inheritdoc/>
    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == RuntimeSource) EnableEvents(source, EventLevel.Verbose, (EventKeywords)JitKeyword);
    }

    /// <inheritdoc/>
    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is null || e.Payload is null || e.PayloadNames is null) return;
        bool started = e.EventName.StartsWith("MethodJittingStarted", StringComparison.Ordinal);
        if (!started && !e.EventName.StartsWith("MethodLoadVerbose", StringComparison.Ordinal)) return;
        ulong method = Convert.ToUInt64(Get(e, "MethodID") ?? 0UL);
        lock (_gate)
        {
            var key = (e.OSThreadId, method);
            if (started)
            {
                _started[key] = e.TimeStamp;
                return;
            }
            if (!_started.Remove(key, out var start)) return; // loaded without compiling (precompiled code)
            _done.Add(new Compilation((int)e.OSThreadId, start, e.TimeStamp, $"{Get(e, "MethodNamespace")}::{Get(e, "MethodName")}", Tier(Get(e, "MethodFlags"))));
        }
    }

    /// <summary>
    /// The compilations that started on a step's thread inside its span, with the index of that step
    /// in <paramref name="spans"/> (Stopwatch timestamps and OS threads, as the pipeline records them).
    /// </summary>
    public IReadOnlyList<(int Step, Compilation Compilation)> InsideSteps(IReadOnlyList<(long Start, long End, int OsThread)> spans)
    {
        List<Compilation> done;
        lock (_gate) done = [.. _done];
        var found = new List<(int, Compilation)>();
        foreach (var c in done)
            for (int k = 0; k < spans.Count; k++)
                if (spans[k].OsThread == c.OsThread && Utc(spans[k].Start) <= c.Start && c.Start <= Utc(spans[k].End))
                {
                    found.Add((k, c));
                    break;
                }
        return found;
    }

    /// <summary>
    /// The compilations that ran on a thread of no step (the runtime's tiering thread, a pool
    /// worker) while a step ran, with the index of the first step they overlapped: on a machine with
    /// as many busy threads as cores such a compilation takes a core from a step, the tier-1
    /// promotions of code called once a minute most of all (its 30th call falls ≈ 30 minutes in).
    /// </summary>
    public IReadOnlyList<(int Step, Compilation Compilation)> BesideSteps(IReadOnlyList<(long Start, long End, int OsThread)> spans)
    {
        List<Compilation> done;
        lock (_gate) done = [.. _done];
        var stepThreads = spans.Select(s => s.OsThread).ToHashSet();
        var found = new List<(int, Compilation)>();
        foreach (var c in done)
        {
            if (stepThreads.Contains(c.OsThread)) continue;
            for (int k = 0; k < spans.Count; k++)
                if (Utc(spans[k].Start) <= c.End && c.Start <= Utc(spans[k].End))
                {
                    found.Add((k, c));
                    break;
                }
        }
        return found;
    }

    private DateTime Utc(long stopwatchTicks) => _utcAtOrigin + Stopwatch.GetElapsedTime(_ticksAtOrigin, stopwatchTicks);

    // MethodFlags bits 7–9 (the runtime's MethodFlags in ClrEtwAll.man): the optimization tier.
    private static string Tier(object? flags)
    {
        int f = Convert.ToInt32(flags ?? 0);
        return ((f >> 7) & 0x7) switch
        {
            1 => "min-opts",
            2 => "optimized",
            3 => "tier-0",
            4 => "tier-1",
            5 => "on-stack replacement",
            6 => "tier-0 instrumented",
            7 => "tier-1 instrumented",
            _ => "unknown tier",
        };
    }

    private static object? Get(EventWrittenEventArgs e, string name)
    {
        int i = e.PayloadNames!.IndexOf(name);
        return i < 0 ? null : e.Payload![i];
    }
}
