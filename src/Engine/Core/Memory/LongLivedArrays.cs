using System.Runtime.CompilerServices;

namespace Sig.Engine.Memory;

/// <summary>
/// Where arrays that outlive the young generation are allocated: on the pinned object heap, not in
/// generation 0. Every site that makes such an array asks here, so the choice is made once: the
/// pieces of a symbol-day's state that are kept for the day (order-row chunks and their early and
/// submitted-size columns, id-index pages) and the arrays of the engine's pools, which are kept and
/// reused for the whole run (<see cref="ArrayRecycler{T}"/>).
/// </summary>
/// <remarks>
/// <para>
/// Why: such an array outlives every young collection it meets. Allocated in generation 0 it is
/// copied into generation 1 by the next gen0 collection and into generation 2 by the next gen1
/// collection, and that copying is most of a young collection's pause — a pause taken on whichever
/// thread triggered it, often a shard in its minute step. Pinned-heap objects are logically
/// generation 2 from birth: never promoted and never moved, and, as they may hold no references,
/// never scanned for pointers into the young generation either.
/// </para>
/// <para>
/// What it costs: (1) an allocation goes through the large-object allocator (a lock and a free-list
/// search) instead of a bump of the thread's gen0 pointer; (2) pinned-heap bytes count toward their
/// own budget, and exceeding it triggers a full (gen2) collection; (3) a pinned array that dies — a
/// chunk only a snapshot kept after the live state copied it, a state replaced at day start — is
/// reclaimed only by a full collection, and the pinned heap is never compacted, so its hole stays
/// where it is. Why that is bounded: the pieces come in a few fixed sizes, so a freed one's hole
/// is taken by the next piece of that size from the free list; a day's state is reset in place and
/// keeps its own pieces for the next day, so a new day allocates few; and a region of the heap that
/// empties entirely is returned. The free space the pinned heap holds
/// across days is therefore at most about one day's peak of such pieces.
/// Figures: docs/factor-core-rounds.md, "Ninth round: long-lived state off the young generation".
/// </para>
/// <para>
/// Pieces made and dropped through the day (<see cref="NewPiece{T}"/>) take a footprint of whole
/// <see cref="PieceUnitBytes"/> units, so every hole they leave splits into whole pieces. Without
/// it a dead 2,072-byte index page took one 1,048-byte row chunk and left a 1,024-byte remnant no
/// piece fits: the pinned heap's allocator walks its free list past every such remnant, and on the
/// second day of a replay read minute by minute, with hundreds of thousands of them, that walk was
/// 83 % of the CPU (docs/factor-core-rounds.md, "Twenty-fifth round").
/// </para>
/// <para>
/// Not for arrays that die young (per-minute scratch, a fork's directories): in generation 0 dying
/// costs nothing, and on the pinned heap their holes would wait for a full collection. Nor for
/// pieces made and dropped all day in large numbers or in many sizes (the bar chunks copied by every
/// symbol after every snapshot, a slab outgrown by doubling): measured at 5000 × 20,000, with them
/// here the run spent two thirds of its CPU in the runtime's allocation slow path.
/// </para>
/// </remarks>
public static class LongLivedArrays
{
    /// <summary>A zeroed array outside the young generation.</summary>
    public static T[] New<T>(int length) where T : unmanaged => GC.AllocateArray<T>(length, pinned: true);

    /// <summary>
    /// An array outside the young generation whose contents are undefined: for a caller that writes
    /// every element before reading it (a grown copy, a pooled buffer).
    /// </summary>
    public static T[] NewUninitialized<T>(int length) where T : unmanaged => GC.AllocateUninitializedArray<T>(length, pinned: true);

    /// <summary>
    /// The footprint unit of a piece: an array's 24 bytes of header (64-bit) and 1,024 bytes of
    /// elements — a chunk of 64 sixteen-byte order rows, the most frequent piece, is one unit.
    /// </summary>
    public const int PieceUnitBytes = ArrayHeaderBytes + 1024;

    // A single-dimension array's header on a 64-bit runtime: object header, method table, length.
    private const int ArrayHeaderBytes = 24;

    /// <summary>
    /// A zeroed array outside the young generation of at least <paramref name="length"/> elements,
    /// for a piece made and dropped during the day (a row chunk, an index page, a scan buffer): its
    /// footprint is a whole number of <see cref="PieceUnitBytes"/> units, so its hole, once it
    /// dies, is taken by whole pieces and never leaves a remnant too small for every piece. The
    /// array may be longer than asked; callers index it by their own length.
    /// </summary>
    public static T[] NewPiece<T>(int length) where T : unmanaged => GC.AllocateArray<T>(PieceLength<T>(length), pinned: true);

    /// <summary><see cref="NewPiece{T}"/> with undefined contents (the caller writes before it reads).</summary>
    public static T[] NewPieceUninitialized<T>(int length) where T : unmanaged =>
        GC.AllocateUninitializedArray<T>(PieceLength<T>(length), pinned: true);

    /// <summary>
    /// The fewest elements, at least <paramref name="length"/>, whose array footprint (header and
    /// elements) is a whole number of <see cref="PieceUnitBytes"/> units.
    /// </summary>
    /// <exception cref="ArgumentException">No element count near the length gives a whole number of units (an element size sharing a factor with 131).</exception>
    public static int PieceLength<T>(int length) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        long size = Unsafe.SizeOf<T>();
        long first = (ArrayHeaderBytes + length * size + PieceUnitBytes - 1) / PieceUnitBytes;
        // 1,048 = 8 × 131: k units hold whole elements where size divides k × 1,048 − 24, which
        // for any size whose odd part is prime to 131 happens within `size` consecutive k.
        for (long k = Math.Max(1, first); k < Math.Max(1, first) + size; k++)
        {
            long elements = k * PieceUnitBytes - ArrayHeaderBytes;
            if (elements % size == 0) return checked((int)(elements / size));
        }
        throw new ArgumentException($"no whole number of {PieceUnitBytes}-byte units holds {typeof(T).Name} elements ({size} bytes each) exactly", nameof(T));
    }

    /// <summary>
    /// <see cref="NewUninitialized{T}"/> for a holder generic in <typeparamref name="T"/> (a pool):
    /// an element type holding references cannot live on the pinned heap and gets an ordinary array.
    /// </summary>
    public static T[] NewUninitializedWherePossible<T>(int length) =>
        GC.AllocateUninitializedArray<T>(length, pinned: !RuntimeHelpers.IsReferenceOrContainsReferences<T>());
}
