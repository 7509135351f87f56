using System.Diagnostics.Tracing;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `bench replay --gc-log`: one line per garbage collection from the runtime's own GC events
/// (suspension to restart = the pause, the generation, the runtime's reason — e.g. AllocLarge, or
/// InducedCompacting for the collection pacer's full ones — and the heap's generation sizes and
/// promoted bytes after it), so a day's total pause can be split by who started which collection.
/// The events arrive on the runtime's dispatch thread, in order, some time after the collection.
/// </summary>
public sealed class GcCollectionLog : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const long GcKeyword = 0x1;
    // The runtime's GC reason codes (gcinterface.h, reason_alloc_soh ...), by value.
    private static readonly string[] Reasons =
    [
        "AllocSmall", "Induced", "LowMemory", "Empty", "AllocLarge", "OutOfSpaceSOH", "OutOfSpaceLOH",
        "InducedNotForced", "Internal", "InducedLowMemory", "InducedCompacting", "LowMemoryHost", "PMFullGC", "LowMemoryHostBlocking",
    ];

    private readonly List<string> _lines = new();
    private readonly object _gate = new();
    private long _suspendTicks;
    private string _current = "";

    /// <summary>The collections seen so far, one line each.</summary>
    public IReadOnlyList<string> Lines { get { lock (_gate) return _lines.ToList(); } }

    /// <inheritdoc/>
    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == RuntimeSource) EnableEvents(source, EventLevel.Informational, (EventKeywords)GcKeyword);
    }

    /// <inheritdoc/>
    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        lock (_gate)
        {
            switch (e.EventName)
            {
                case "GCSuspendEEBegin_V1":
                    _suspendTicks = e.TimeStamp.Ticks;
                    break;
                case "GCStart_V2":
                    int reason = Convert.ToInt32(Get(e, "Reason"));
                    _current = $"#{Get(e, "Count")} gen{Get(e, "Depth")} {(reason >= 0 && reason < Reasons.Length ? Reasons[reason] : reason.ToString())}";
                    break;
                case "GCGlobalHeapHistory_V2" or "GCGlobalHeapHistory_V3" or "GCGlobalHeapHistory_V4":
                    // GlobalMechanisms bit 0x2: this collection compacted (otherwise it swept).
                    _current += (Convert.ToInt64(Get(e, "GlobalMechanisms")) & 0x2) != 0 ? " compacting" : " sweeping";
                    break;
                case "GCHeapStats_V2":
                    _current += $", after: gen0/gen1/gen2/LOH/POH {Mib(e, "GenerationSize0")}/{Mib(e, "GenerationSize1")}/{Mib(e, "GenerationSize2")}/{Mib(e, "GenerationSize3")}/{Mib(e, "GenerationSize4")} MiB"
                        + $", promoted from gen0/gen1/gen2 {Mib(e, "TotalPromotedSize0")}/{Mib(e, "TotalPromotedSize1")}/{Mib(e, "TotalPromotedSize2")} MiB";
                    break;
                case "GCRestartEEEnd_V1":
                    if (_current.Length > 0) _lines.Add($"{TimeSpan.FromTicks(e.TimeStamp.Ticks - _suspendTicks).TotalMilliseconds,7:F1} ms {_current}");
                    _current = "";
                    break;
            }
        }
    }

    private static object? Get(EventWrittenEventArgs e, string name)
    {
        int i = e.PayloadNames?.IndexOf(name) ?? -1;
        return i < 0 ? null : e.Payload![i];
    }

    private static string Mib(EventWrittenEventArgs e, string name) =>
        Get(e, name) is { } v ? (Convert.ToUInt64(v) / 1048576).ToString() : "?";
}
