using System.Globalization;
using Sig.Engine.Memory;
using Xunit;

namespace Sig.Engine.Tests.Memory;

/// <summary>
/// The collector's heap range advised for transparent huge pages: where the kernel allows it, the
/// range holds the heap's later objects and is one read-write mapping advised for huge pages (the
/// collector's own commits no longer split it); the heap keeps every byte through compacting
/// collections; a second call changes nothing. Where the kernel does not allow it, the outcome says why.
/// </summary>
public class GcHeapHugePagesTests
{
    [Fact]
    public void Apply_advises_one_read_write_mapping_that_holds_the_heap_or_says_why_not()
    {
        var outcome = GcHeapHugePages.Apply();
        Assert.Same(outcome, GcHeapHugePages.Apply());
        Assert.Same(outcome, GcHeapHugePages.Current);
        if (!outcome.Applied)
        {
            Assert.False(string.IsNullOrWhiteSpace(outcome.Reason));
            Assert.False(GcHeapHugePages.Refresh());
            Assert.True(!OperatingSystem.IsLinux() || Read("/sys/kernel/mm/transparent_hugepage/enabled")?.Contains("[never]") != false
                || Read("/proc/sys/vm/overcommit_memory")?.Trim() == "2", $"not applied on a kernel that allows it: {outcome.Reason}");
            return;
        }
        Assert.Equal(0UL, outcome.Length % (2UL << 20));
        Assert.True(outcome.Length >= 2UL << 20);
        // Another test in this process may have applied it long before, and the collector's decommits
        // since then mapped pieces of the range anew, without the advice: Refresh gives it back. Tests run
        // in parallel, and another one's collection may decommit and recommit a piece between the Refresh
        // and the look at the mappings (seen in CI): retry until one look follows its Refresh undisturbed.
        string? last = null;
        for (int attempt = 0; attempt < 20; attempt++)
        {
            Assert.True(GcHeapHugePages.Refresh());
            // Objects of every kind the collector allocates after the call land in the range, in a mapping
            // advised for huge pages ("hg"), read-write, and the collector's commits for them did not split it
            // below the 2 MiB a huge page needs.
            var arrays = new[] { new byte[64 << 10], GC.AllocateArray<byte>(1 << 20, pinned: true), new byte[8 << 20] };
            last = null;
            foreach (var array in arrays)
            {
                ulong at = AddressOf(array);
                Assert.InRange(at, outcome.Start, outcome.Start + outcome.Length - 1);
                var (start, end, permissions, flags) = MappingOf(at);
                Assert.Equal("rw-p", permissions);
                if (!flags.Split(' ').Contains("hg")) last = $"mapping 0x{start:x}-0x{end:x} is not advised for huge pages ({flags})";
                else if (end - start < 2UL << 20) last = $"mapping 0x{start:x}-0x{end:x} is smaller than a huge page";
            }
            GC.KeepAlive(arrays);
            if (last is null) return;
        }
        Assert.Fail(last);
    }

    [Fact]
    public void The_heap_keeps_every_byte_through_compacting_collections_after_apply()
    {
        GcHeapHugePages.Apply();
        var random = new Random(7);
        var kept = new List<(long Seed, long[] Array)>();
        for (int i = 0; i < 400; i++)
        {
            // Small, large and pinned arrays, with garbage between them so compaction moves the small ones.
            var a = i % 10 == 0 ? GC.AllocateArray<long>(20_000, pinned: i % 20 == 0) : new long[random.Next(1, 3_000)];
            for (int k = 0; k < a.Length; k++) a[k] = i * 1_000_003L + k;
            kept.Add((i, a));
            _ = new byte[random.Next(1, 50_000)];
        }
        for (int round = 0; round < 3; round++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            foreach (var (seed, array) in kept)
                for (int k = 0; k < array.Length; k++)
                    Assert.Equal(seed * 1_000_003L + k, array[k]);
            // Drop a third and copy the rest, so the next collection frees and moves memory again.
            kept = kept.Skip(kept.Count / 3).Select(e => (e.Seed, (long[])e.Array.Clone())).ToList();
        }
    }

    private static unsafe ulong AddressOf(byte[] array)
    {
        fixed (byte* p = array) return (ulong)p;
    }

    // The /proc/self/smaps entry that holds an address: its bounds, permissions and VmFlags.
    private static (ulong Start, ulong End, string Permissions, string Flags) MappingOf(ulong address)
    {
        (ulong, ulong, string)? current = null;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-');
            int space = line.IndexOf(' ');
            if (dash > 0 && space > dash && ulong.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong start)
                && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong end))
                current = (start, end, line.Substring(space + 1, 4));
            else if (line.StartsWith("VmFlags:", StringComparison.Ordinal) && current is var (s, e, p) && s <= address && address < e)
                return (s, e, p, line["VmFlags:".Length..].Trim());
        }
        throw new InvalidOperationException($"0x{address:x} is in no mapping");
    }

    private static string? Read(string path) => File.Exists(path) ? File.ReadAllText(path) : null;
}
