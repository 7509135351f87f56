namespace Sig.Factors.Intraday;

/// <summary>
/// Where the arrays of a symbol-day's state are allocated: on the pinned object heap, not in
/// generation 0. Every site that makes a piece of state meant to live for the rest of the day
/// (order-row chunks and their early and submitted-size columns, id-index pages, minute-bar
/// chunks, the member slab) asks here, so the choice is made once.
/// </summary>
/// <remarks>
/// <para>
/// Why: such an array outlives every young collection it meets. Allocated in generation 0, it is
/// copied into generation 1 by the next gen0 collection and into generation 2 by the next gen1
/// collection, and the collections' pauses — which run on whichever thread triggers them, often a
/// shard in its minute step — are mostly that copying: in a 5000 × 20,000 replay a gen0
/// collection promoted nearly everything it found. Pinned-heap objects are logically generation 2
/// from birth: never promoted, never moved, so a young collection neither copies nor marks them
/// (they hold no references: only unmanaged element types are allowed).
/// </para>
/// <para>
/// What it costs: (1) an allocation takes the large-object allocator's lock and a free-list
/// search instead of a bump of the thread's gen0 pointer — a few hundred nanoseconds, paid once per
/// 64 orders, 1024 ids or 16 bars; (2) pinned-heap bytes count toward their own budget, and
/// exceeding it triggers a full (gen2) collection; (3) a piece that dies — a chunk a snapshot alone
/// kept after the live state copied it, a state object replaced at day start — is reclaimed only
/// by a full collection, and the pinned heap is never compacted, so its hole stays where it is.
/// Why that is bounded: the pieces come in a handful of fixed sizes (0.5–4 KiB), so a freed one's
/// hole is reused by the next piece of the same size from the free list; a day's state objects are
/// reset and keep their own pieces for the next day (<see cref="SymbolDayState.Clear"/>), so a new
/// day allocates few new ones; and a region of the heap that empties entirely goes back to the
/// free regions. The free space the pinned heap holds across days is therefore at most the peak of
/// one day's pieces, which the heap held anyway. Figures: docs/factor-core.md, "Ninth round".
/// </para>
/// <para>
/// Not for arrays that die young (per-minute or per-fork scratch, directories of references):
/// those belong in generation 0, where dying costs nothing.
/// </para>
/// </remarks>
internal static class DayStateArrays
{
    /// <summary>A zeroed array of day state, outside the young generation.</summary>
    public static T[] New<T>(int length) where T : unmanaged => GC.AllocateArray<T>(length, pinned: true);

    /// <summary>
    /// An array of day state outside the young generation whose contents are undefined: for a
    /// caller that writes every element before reading it (a grown copy).
    /// </summary>
    public static T[] NewUninitialized<T>(int length) where T : unmanaged => GC.AllocateUninitializedArray<T>(length, pinned: true);
}
