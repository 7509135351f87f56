namespace Sig.Factors.Intraday;

/// <summary>
/// 256 slots of <typeparamref name="T"/> in 16 chunks of 16, shared copy-on-write between forks:
/// <see cref="ShareWith"/> copies only the directory of chunk references, and each side copies
/// a chunk before its first write to it (a bit per chunk says which ones this side made since its
/// last fork and may write in place). A chunk nobody wrote is absent and reads as all-zero slots.
/// For series written near their end only — a day's bars — a fork
/// then costs a 16-reference copy and one chunk per side for the next minute's writes, instead of
/// the whole array.
/// </summary>
/// <remarks>
/// A mutable struct: keep it in a non-readonly field and call its members on the field itself.
/// </remarks>
internal struct CopyOnWriteChunks<T> where T : struct
{
    private const int Shift = 4;
    private const int ChunkSize = 1 << Shift;
    private const int ChunkCount = 16;

    /// <summary>Number of slots (0..255).</summary>
    public const int Capacity = ChunkSize * ChunkCount;

    // What an absent chunk reads as; never written (writes go to a chunk of the writer's own).
    private static readonly T[] Zero = new T[ChunkSize];

    // The directory lives inline in the owner's object (no array of its own): a read costs the
    // chunk's cache line, not a second cold line for a directory.
    private ChunkDirectory _chunks;
    // Bit k: chunk k was made by this side since its last fork (only then is it written in place).
    private uint _owned;
    // Bit k: chunk k was made by this side (since it last took another side's chunks), whether or
    // not a fork shares it since: only such a chunk can be this side's alone once its forks let it go.
    private uint _made;
    // A chunk nothing else refers to (see KeepUnsharedAsSpare), used by the next copy instead of a new one.
    private T[]? _spare;

    /// <summary>All slots zero, no chunk allocated.</summary>
    public static CopyOnWriteChunks<T> Create() => default;

    /// <summary>Slot <paramref name="i"/>, read-only.</summary>
    public readonly ref readonly T this[int i] => ref (_chunks[i >> Shift] ?? Zero)[i & (ChunkSize - 1)];

    /// <summary>
    /// Hints slot <paramref name="i"/> whole and its chunk's length (which the indexer's bounds
    /// check reads first). Reads only the inline directory: loading the chunk's length here
    /// instead would wait on the very miss the hint is for.
    /// </summary>
    public readonly void PrefetchSlot(int i)
    {
        var chunk = _chunks[i >> Shift];
        Prefetch.Length(chunk);
        Prefetch.WholeElement(chunk, i & (ChunkSize - 1));
    }

    /// <summary>Slot <paramref name="i"/> to write: its chunk is first copied (or made) when this side does not own it.</summary>
    public ref T Writable(int i)
    {
        int k = i >> Shift;
        var chunk = _chunks[k];
        if ((_owned & (1u << k)) == 0)
        {
            var own = _spare ?? new T[ChunkSize];
            _spare = null;
            if (chunk is null) Array.Clear(own);
            else chunk.CopyTo(own, 0);
            _chunks[k] = chunk = own;
            _owned |= 1u << k;
            _made |= 1u << k;
        }
        return ref chunk![i & (ChunkSize - 1)];
    }

    /// <summary>
    /// Sets slots 0..<paramref name="through"/> to zero (the caller knows the slots above are zero):
    /// chunks of this side's own are cleared for reuse, shared ones are let go.
    /// </summary>
    public void Clear(int through)
    {
        for (int k = 0; k <= through >> Shift; k++)
        {
            if ((_owned & (1u << k)) != 0) Array.Clear(_chunks[k]!);
            else { _chunks[k] = null; _made &= ~(1u << k); }
        }
    }

    /// <summary>
    /// Makes <paramref name="other"/> hold the same slots by sharing every chunk (its own are let
    /// go); from now on neither side writes a chunk in place before copying it.
    /// </summary>
    public void ShareWith(ref CopyOnWriteChunks<T> other)
    {
        other._chunks = _chunks;
        _owned = 0;
        other._owned = 0;
        other._made = 0;
    }

    /// <summary>
    /// This side is dropped and its object kept for reuse: one chunk it made that neither
    /// <paramref name="a"/> nor <paramref name="b"/> refers to leaves the directory and becomes the
    /// spare its next copy is written into (the slot reads zero from now on). The caller guarantees
    /// that every other side which may refer to a chunk this side made is <paramref name="a"/>,
    /// <paramref name="b"/> or a fork of theirs (a chunk passes only from a side to its forks, and a
    /// side never takes one back), and that this side is only cleared or given another side's
    /// chunks (<see cref="ShareWith"/>) before it is read again.
    /// </summary>
    public void KeepUnsharedAsSpare(in CopyOnWriteChunks<T> a, in CopyOnWriteChunks<T> b)
    {
        for (uint made = _made; made != 0 && _spare is null; made &= made - 1)
        {
            int k = System.Numerics.BitOperations.TrailingZeroCount(made);
            var chunk = _chunks[k];
            if (chunk is null || ReferenceEquals(chunk, a._chunks[k]) || ReferenceEquals(chunk, b._chunks[k])) continue;
            _spare = chunk;
            _chunks[k] = null;
            _owned &= ~(1u << k);
            _made &= ~(1u << k);
        }
    }

    /// <summary>Whether a spare chunk is kept (tests).</summary>
    internal readonly bool HasSpare => _spare is not null;

    /// <summary>True when slot <paramref name="i"/>'s chunk is the same array in both (tests: what a fork shares).</summary>
    internal readonly bool SharesChunkWith(in CopyOnWriteChunks<T> other, int i) =>
        _chunks[i >> Shift] is { } chunk && ReferenceEquals(chunk, other._chunks[i >> Shift]);

    [System.Runtime.CompilerServices.InlineArray(ChunkCount)]
    private struct ChunkDirectory
    {
        private T[]? _chunk;
    }
}
