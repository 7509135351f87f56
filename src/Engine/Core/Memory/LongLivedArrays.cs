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
    /// <see cref="NewUninitialized{T}"/> for a holder generic in <typeparamref name="T"/> (a pool):
    /// an element type holding references cannot live on the pinned heap and gets an ordinary array.
    /// </summary>
    public static T[] NewUninitializedWherePossible<T>(int length) =>
        GC.AllocateUninitializedArray<T>(length, pinned: !RuntimeHelpers.IsReferenceOrContainsReferences<T>());
}
