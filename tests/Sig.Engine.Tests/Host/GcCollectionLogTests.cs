using Sig.Engine.Host.Commands;
using Xunit;

namespace Sig.Engine.Tests.Host;

/// <summary>`bench replay --gc-log` names each collection's generation, reason and compaction.</summary>
public sealed class GcCollectionLogTests
{
    [Fact]
    public void A_forced_compacting_full_collection_is_logged_as_such()
    {
        using var log = new GcCollectionLog();
        // The runtime hands its events to listeners on its own thread, some time after the collection,
        // and the listener's session may start a moment after it is made: collect again until one is seen.
        for (int i = 0; i < 100 && !log.Lines.Any(l => l.Contains("gen2 InducedCompacting compacting")); i++)
        {
            if (i % 10 == 0) GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            Thread.Sleep(100); // wall-clock ok: polls for the listener's event with a bound, no timing asserted
        }
        var line = log.Lines.First(l => l.Contains("gen2 InducedCompacting compacting"));
        Assert.Matches(@"^\s*\d+\.\d ms #\d+ gen2 InducedCompacting compacting, after: gen0/gen1/gen2/LOH/POH \d+/\d+/\d+/\d+/\d+ MiB", line);
    }
}
