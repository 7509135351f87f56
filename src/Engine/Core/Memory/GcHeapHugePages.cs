using System.Globalization;
using System.Runtime.InteropServices;

namespace Sig.Engine.Memory;

/// <summary>
/// Lets the kernel back the garbage collector's heap with transparent huge pages (2 MiB) on Linux,
/// so a heap that grows to gigabytes takes a page fault per 2 MiB instead of one per 4 KiB.
/// </summary>
/// <remarks>
/// <para>
/// Why: at the issue's shape (5,000 symbols × 20,000 events) the heap grows to ≈ 1.7 GB, and every
/// 4 KiB page of it is first touched through a minor fault: ≈ 450,000 a run. On the virtual machines
/// measured each costs ≈ 10 µs of CPU (docs/factor-core-rounds.md, "Thirteenth round: the pipeline's
/// own share"), about a sixth of the replay's CPU. With the kernel's default `madvise` mode huge
/// pages are given only to memory advised for them, and the runtime advises none.
/// </para>
/// <para>
/// How: the collector reserves one range of address space for its regions at start (inaccessible),
/// then commits pieces of it as it needs them (made read-write in 64 KiB steps, each also marked for
/// core dumps) and decommits pieces by mapping them inaccessible again. Each of those calls splits
/// the range's kernel mapping, and a huge page is only given where one mapping with the same
/// protection and advice covers the whole aligned 2 MiB, so committed pieces never qualify. This class
/// makes the low part of the range that the collector grows into — from its first region, as many
/// bytes as the machine has memory, at most half the range — read-write, marked for dumps and
/// advised for huge pages in one go. The collector's later commits then change nothing and leave the
/// mapping whole; its decommits still work (those pieces go back to small pages when committed again).
/// Nothing is touched: a page costs memory only once the collector writes to it, as before.
/// </para>
/// <para>
/// What it costs: resident memory in 2 MiB steps where the heap's use of a range ends inside a huge
/// page (measured: −8 to +24 MiB of peak on the 1.7 GB day, +40–60 MiB at a tenth of its events), and
/// the kernel's huge-page daemon may later merge partly used 2 MiB ranges of a long-running process.
/// The range counts towards the kernel's committed-address-space figure, so it is left alone under
/// strict overcommit (`vm.overcommit_memory` = 2). Skipped, with the reason in
/// <see cref="Outcome.Reason"/>, when the kernel's huge pages are off, the collector has no regions
/// range (segments), or the range is not where expected (any mapping in it that is not anonymous and
/// private).
/// </para>
/// </remarks>
public static class GcHeapHugePages
{
    /// <summary>What <see cref="Apply"/> did: the range it advised, or why it did nothing.</summary>
    public sealed record Outcome(bool Applied, ulong Start, ulong Length, string Reason);

    private static readonly object Gate = new();
    private static Outcome? _outcome;

    /// <summary>The outcome of the first <see cref="Apply"/> in this process, or null before it.</summary>
    public static Outcome? Current { get { lock (Gate) return _outcome; } }

    /// <summary>Advises the collector's heap range for huge pages once per process; later calls return the first outcome.</summary>
    public static Outcome Apply()
    {
        lock (Gate) return _outcome ??= TryApply();
    }

    private const string ThpModeFile = "/sys/kernel/mm/transparent_hugepage/enabled";
    private const ulong HugePage = 2UL << 20, Chunk = 1UL << 30;

    private static Outcome TryApply()
    {
        if (!OperatingSystem.IsLinux()) return Skipped("not Linux");
        string? mode = ReadOrNull(ThpModeFile);
        if (mode is null || mode.Contains("[never]", StringComparison.Ordinal)) return Skipped($"transparent huge pages off ({ThpModeFile}: {mode?.Trim() ?? "absent"})");
        if (ReadOrNull("/proc/sys/vm/overcommit_memory")?.Trim() == "2") return Skipped("strict overcommit (vm.overcommit_memory = 2)");
        if (!GC.GetConfigurationVariables().TryGetValue("GCRegionRange", out var rangeValue) || rangeValue is not long range || range <= 0)
            return Skipped("the collector has no regions range");

        // Allocate first, then read the mappings: the allocations may commit memory.
        ulong first = FirstRegionAddress();
        var maps = MemoryMaps.Read();
        int at = maps.FindIndex(m => m.Start <= first && first < m.End);
        if (at < 0) return Skipped("the heap's first object is in no mapping");
        // The committed mapping that holds the first region starts no lower than the reservation (its
        // first bytes before the aligned region start are never committed).
        ulong start = maps[at].Start;
        ulong physical = (ulong)Math.Max(0, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        ulong length = Math.Min((ulong)range / 2, physical) & ~(HugePage - 1);
        if (length < HugePage) return Skipped("range too small");
        // Every mapping the range covers must be the collector's kind (anonymous, private, inaccessible or
        // read-write) and they must follow one another with no gap.
        for (int i = at; ; i++)
        {
            if (i == maps.Count || maps[i].Start != (i == at ? start : maps[i - 1].End))
                return Skipped($"0x{(i == maps.Count ? maps[^1].End : maps[i - 1].End):x} ends the collector's reservation before 0x{start + length:x}");
            var m = maps[i];
            if (!m.IsAnonymousPrivate || (m.Permissions != "---p" && m.Permissions != "rw-p"))
                return Skipped($"0x{m.Start:x} is not the collector's reservation ({m.Permissions} {m.Path})");
            if (m.End >= start + length) break;
        }
        return Advise(start, length) is { } failure ? failure : new(true, start, length, $"advised ({mode.Trim()})");
    }

    /// <summary>
    /// Advises the range of the first <see cref="Apply"/> again; false where that did nothing. The
    /// collector decommits a piece by mapping it inaccessible anew, and that new mapping has neither
    /// the read-write protection nor the advice, so in a process that runs for days the advised range
    /// frays as the heap shrinks and grows back. Called after a full collection (between minute steps,
    /// by the pipeline's collection pacer); cheap: the kernel only rewrites the flags of the mappings
    /// in the range and touches no page.
    /// </summary>
    public static bool Refresh()
    {
        lock (Gate) return _outcome is { Applied: true } o && Advise(o.Start, o.Length) is null;
    }

    // Makes [start, start + length) read-write, marked for dumps and advised for huge pages; null, or the failure.
    private static Outcome? Advise(ulong start, ulong length)
    {
        for (ulong offset = 0; offset < length; offset += Chunk)
        {
            // In pieces: the kernel's heuristic overcommit refuses one request larger than the machine's memory.
            ulong piece = Math.Min(Chunk, length - offset);
            if (mprotect((nint)(start + offset), (nuint)piece, ProtRead | ProtWrite) != 0)
                return Failed("mprotect", start + offset);
        }
        if (madvise((nint)start, (nuint)length, MadvDoDump) != 0) return Failed("madvise(MADV_DODUMP)", start);
        if (madvise((nint)start, (nuint)length, MadvHugePage) != 0) return Failed("madvise(MADV_HUGEPAGE)", start);
        return null;
    }

    // The lowest of a new small object's, pinned object's and large object's addresses: the collector
    // places each kind's first region at the low end of its range.
    private static unsafe ulong FirstRegionAddress()
    {
        var small = new byte[16];
        var pinned = GC.AllocateUninitializedArray<byte>(16, pinned: true);
        var large = GC.AllocateUninitializedArray<byte>(100_000);
        fixed (byte* a = small) fixed (byte* b = pinned) fixed (byte* c = large)
            return Math.Min((ulong)a, Math.Min((ulong)b, (ulong)c));
    }

    private static Outcome Skipped(string reason) => new(false, 0, 0, reason);

    private static Outcome Failed(string call, ulong address) =>
        new(false, 0, 0, $"{call} from 0x{address:x} failed (errno {Marshal.GetLastPInvokeError()}); what was done before it stays");

    private static string? ReadOrNull(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private const int ProtRead = 1, ProtWrite = 2, MadvDoDump = 17, MadvHugePage = 14;

    [DllImport("libc", SetLastError = true)]
    private static extern int mprotect(nint address, nuint length, int protection);

    [DllImport("libc", SetLastError = true)]
    private static extern int madvise(nint address, nuint length, int advice);

    /// <summary>One line of /proc/self/maps.</summary>
    internal sealed record MemoryMap(ulong Start, ulong End, string Permissions, string Inode, string Path)
    {
        public bool IsAnonymousPrivate => Inode == "0" && Path.Length == 0 && Permissions.EndsWith('p');
    }

    /// <summary>Reads the process's mappings, in address order.</summary>
    internal static class MemoryMaps
    {
        public static List<MemoryMap> Read() => File.ReadLines("/proc/self/maps").Select(Parse).ToList();

        public static MemoryMap Parse(string line)
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            var bounds = fields[0].Split('-');
            return new(ulong.Parse(bounds[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture), ulong.Parse(bounds[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                fields[1], fields[4], fields.Length > 5 ? fields[5].Trim() : "");
        }
    }
}
