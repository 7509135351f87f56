using System.Runtime.InteropServices;

namespace Sig.Replay.Store;

/// <summary>
/// Positioned reads of a file in batches through one Linux io_uring: the caller queues up to
/// <see cref="Capacity"/> reads (offset, length, a destination that stays put: native or pinned
/// memory) and <see cref="SubmitAndWait"/> hands them all to the kernel with one system call and
/// waits until each has completed. A replay reads a symbol's nine columns per refill of its read-ahead
/// slot, ≈ 1.8 M reads a full-market day; on the Firecracker guest measured here a pread costs about
/// 2.1–2.6 µs of CPU of which the copy is a small part, a read in a batch of 64–256 about 0.9 µs
/// (docs/factor-core-rounds.md, fourteenth round). Page-cache hits complete inside the submitting call;
/// anything else the kernel completes from its own workers, and the wait covers it.
/// The ring is set up with raw system calls (no liburing on the machines this runs on). One reader
/// serves one thread at a time. A read's result is handed back as the kernel gave it (bytes read, or a
/// negative errno); the caller decides what a short or failed read means (see <see cref="TickDay"/>).
/// </summary>
internal sealed unsafe class IoUringReader : IDisposable
{
    // The generic system call table gives io_uring the same numbers on every Linux architecture.
    private const long SysIoUringSetup = 425, SysIoUringEnter = 426;
    private const uint EnterGetEvents = 1;
    private const byte OpRead = 22;
    private const uint FeatSingleMmap = 1;
    private const long OffSqRing = 0, OffCqRing = 0x8000000, OffSqes = 0x10000000;
    private const int ProtReadWrite = 3, MapSharedPopulate = 0x1 | 0x8000;
    private const int EIntr = 4;

    private readonly int _ring;
    private readonly byte* _sqMap, _cqMap;
    private readonly nuint _sqMapBytes, _cqMapBytes, _sqesBytes;
    private readonly Sqe* _sqes;
    private readonly uint* _sqTail, _sqArray, _cqHead, _cqTail;
    private readonly uint _sqMask, _cqMask;
    private readonly Cqe* _cqes;
    private int _queued;
    private bool _disposed;

    /// <summary>Reads one submission can carry.</summary>
    public int Capacity { get; }

    private IoUringReader(int ring, in Params p, byte* sqMap, nuint sqMapBytes, byte* cqMap, nuint cqMapBytes, Sqe* sqes, nuint sqesBytes)
    {
        _ring = ring;
        _sqMap = sqMap; _sqMapBytes = sqMapBytes; _cqMap = cqMap; _cqMapBytes = cqMapBytes; _sqes = sqes; _sqesBytes = sqesBytes;
        _sqTail = (uint*)(sqMap + p.SqTail);
        _sqMask = *(uint*)(sqMap + p.SqRingMask);
        _sqArray = (uint*)(sqMap + p.SqArray);
        _cqHead = (uint*)(cqMap + p.CqHead);
        _cqTail = (uint*)(cqMap + p.CqTail);
        _cqMask = *(uint*)(cqMap + p.CqRingMask);
        _cqes = (Cqe*)(cqMap + p.CqCqes);
        // The kernel sizes the completion queue at twice the submission queue, so a full batch always fits.
        Capacity = (int)Math.Min(p.SqEntries, p.CqEntries);
    }

    /// <summary>
    /// A ring of at least <paramref name="entries"/> reads, or null with the reason when this machine
    /// has none: not Linux, a kernel without io_uring (ENOSYS), or one where it is switched off
    /// (kernel.io_uring_disabled, a container's seccomp filter: EPERM).
    /// </summary>
    public static IoUringReader? TryCreate(int entries, out string? unavailable)
    {
        unavailable = null;
        if (!OperatingSystem.IsLinux()) { unavailable = "not Linux"; return null; }
        Params p = default;
        long ring;
        try { ring = Syscall(SysIoUringSetup, entries, (long)&p, 0, 0, 0, 0); }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { unavailable = $"no libc syscall entry ({ex.GetType().Name})"; return null; }
        if (ring < 0) { unavailable = SetupError(Marshal.GetLastPInvokeError()); return null; }
        int fd = (int)ring;
        nuint sqBytes = p.SqArray + p.SqEntries * sizeof(uint), cqBytes = p.CqCqes + p.CqEntries * (nuint)sizeof(Cqe);
        bool single = (p.Features & FeatSingleMmap) != 0;
        if (single) sqBytes = cqBytes = Math.Max(sqBytes, cqBytes);
        nuint sqesBytes = p.SqEntries * (nuint)sizeof(Sqe);
        byte* sq = Map(fd, sqBytes, OffSqRing);
        byte* cq = sq == null ? null : single ? sq : Map(fd, cqBytes, OffCqRing);
        Sqe* sqes = cq == null ? null : (Sqe*)Map(fd, sqesBytes, OffSqes);
        if (sqes == null)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (cq != null && cq != sq) Munmap((nint)cq, cqBytes);
            if (sq != null) Munmap((nint)sq, sqBytes);
            Close(fd);
            unavailable = $"mapping its rings failed (errno {errno})";
            return null;
        }
        return new IoUringReader(fd, p, sq, sqBytes, cq, single ? 0 : cqBytes, sqes, sqesBytes);
    }

    private static string SetupError(int errno) => errno switch
    {
        38 => "the kernel has no io_uring (ENOSYS)",
        1 => "io_uring is not permitted here (EPERM: kernel.io_uring_disabled or a seccomp filter)",
        12 => "no memory for the ring (ENOMEM: locked-memory limit?)",
        _ => $"io_uring_setup failed (errno {errno})",
    };

    private static byte* Map(int fd, nuint bytes, long offset)
    {
        nint at = Mmap(0, bytes, ProtReadWrite, MapSharedPopulate, fd, offset);
        return at == -1 ? null : (byte*)at;
    }

    /// <summary>
    /// Queues a read of <paramref name="length"/> bytes at <paramref name="offset"/> of file descriptor
    /// <paramref name="fd"/> into <paramref name="destination"/>; its result lands at the index of this
    /// call among those since the last submission, in the span given to <see cref="SubmitAndWait"/>.
    /// The destination must not move until then.
    /// </summary>
    public void Add(int fd, long offset, int length, byte* destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_queued == Capacity) throw new InvalidOperationException($"the ring holds {Capacity} reads per submission");
        uint tail = *_sqTail + (uint)_queued, slot = tail & _sqMask;
        var e = _sqes + slot;
        *e = default;
        e->Opcode = OpRead;
        e->Fd = fd;
        e->Offset = (ulong)offset;
        e->Address = (ulong)destination;
        e->Length = (uint)length;
        e->UserData = (ulong)_queued;
        _sqArray[slot] = slot;
        _queued++;
    }

    /// <summary>
    /// Drops the reads queued since the last submission (a caller that failed half-way through a batch):
    /// the kernel never saw them, as the queue's tail moves only in <see cref="SubmitAndWait"/>.
    /// </summary>
    public void Discard() => _queued = 0;

    /// <summary>
    /// Submits the queued reads and waits for all of them; <paramref name="results"/>[k] is read k's
    /// bytes read, or minus its errno.
    /// </summary>
    public void SubmitAndWait(Span<int> results)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int n = _queued;
        if (results.Length < n) throw new ArgumentException($"{n} reads are queued, the results hold {results.Length}", nameof(results));
        _queued = 0;
        if (n == 0) return;
        // Publishes the entries written above before the kernel can see the new tail.
        Volatile.Write(ref *_sqTail, *_sqTail + (uint)n);
        int toSubmit = n, reaped = 0;
        while (true)
        {
            reaped += Reap(results);
            if (reaped == n) return;
            // Submits what is left and waits for the rest; a submission cut short (an entry refused) returns
            // without waiting, and the loop submits the remainder.
            long r = Syscall(SysIoUringEnter, _ring, toSubmit, n - reaped, EnterGetEvents, 0, 0);
            if (r < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EIntr) continue;
                throw new IOException($"io_uring_enter failed (errno {errno}) with {n - reaped} of {n} reads outstanding");
            }
            toSubmit -= (int)r;
        }
    }

    private int Reap(Span<int> results)
    {
        uint head = *_cqHead, tail = Volatile.Read(ref *_cqTail);
        int k = 0;
        for (; head != tail; head++, k++)
        {
            ref readonly var c = ref _cqes[head & _cqMask];
            results[(int)c.UserData] = c.Result;
        }
        Volatile.Write(ref *_cqHead, head);
        return k;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Munmap((nint)_sqes, _sqesBytes);
        if (_cqMapBytes != 0) Munmap((nint)_cqMap, _cqMapBytes);
        Munmap((nint)_sqMap, _sqMapBytes);
        Close(_ring);
    }

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long Syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static extern nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static extern int Munmap(nint address, nuint length);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    // struct io_uring_params with its two offset tables flattened (120 bytes, <linux/io_uring.h>).
    [StructLayout(LayoutKind.Explicit, Size = 120)]
    private struct Params
    {
        [FieldOffset(0)] public uint SqEntries;
        [FieldOffset(4)] public uint CqEntries;
        [FieldOffset(20)] public uint Features;
        [FieldOffset(40 + 4)] public uint SqTail;
        [FieldOffset(40 + 8)] public uint SqRingMask;
        [FieldOffset(40 + 24)] public uint SqArray;
        [FieldOffset(80 + 0)] public uint CqHead;
        [FieldOffset(80 + 4)] public uint CqTail;
        [FieldOffset(80 + 8)] public uint CqRingMask;
        [FieldOffset(80 + 20)] public uint CqCqes;
    }

    // struct io_uring_sqe: the fields a plain read sets; the rest stay zero.
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    private struct Sqe
    {
        [FieldOffset(0)] public byte Opcode;
        [FieldOffset(4)] public int Fd;
        [FieldOffset(8)] public ulong Offset;
        [FieldOffset(16)] public ulong Address;
        [FieldOffset(24)] public uint Length;
        [FieldOffset(32)] public ulong UserData;
    }

    // struct io_uring_cqe.
    [StructLayout(LayoutKind.Sequential)]
    private struct Cqe
    {
        public ulong UserData;
        public int Result;
        public uint Flags;
    }
}
