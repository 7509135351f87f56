using System.Diagnostics;
using System.Numerics;
using Sig.Engine.Config;
using Sig.Engine.Memory;

namespace Sig.Factors.Intraday;

/// <summary>
/// Parent orders reconstructed from fills: per order its filled amount A, early amount E and
/// the tick-log-return sums L and EL, kept in 16-byte rows of A and L in chunks of 64 (two flags
/// in the row say when E = A and EL = L, as for nearly every order; otherwise E and EL are in a
/// side table per chunk, made only for a chunk that has such an order) behind an id → row
/// index (<see cref="OrderIndex"/>: array-indexed where the ids are dense, hashed otherwise).
/// Amounts are exact integers (1/10000 CNY), and so are the moments of the classification
/// sizes (n, Σs, Σs² in 128-bit integers), so θ = μ + k·σ is exact. L and EL are fixed-point
/// integers (<see cref="LogScale"/> units per natural-log unit): every sum over them is exact and
/// does not depend on the order fills arrived in or orders are visited in; it is rounded once
/// when read. Classification is not stored: orders sit in buckets by size (8 per power of two)
/// with per-bucket sums of A, E (by side), L and EL and a cached sum of every
/// bucket above the last query's θ, so "Σ over orders with s ≥ θ" is that suffix moved by the
/// buckets θ crossed since plus a scan of the one or two buckets θ falls in, not a scan of every
/// order. Rows are shared copy-on-write between forks; the bucket sums and member lists are
/// derived from the rows and belong to one book at a time (see <see cref="Fork"/>).
/// </summary>
public sealed partial class BigOrderBook
{
    /// <summary>Fixed-point units per natural-log unit of L and EL (2⁴⁴: a resolution of 5.7e-14).</summary>
    public const double LogScale = 17592186044416.0;

    private const int SubBits = 3;
    private const int Octaves = 63;
    private const int SubMask = (1 << SubBits) - 1;
    private const int Buckets = Octaves << SubBits;
    // Rows per storage chunk (64 × 16 bytes): the unit a fork copies before writing. Rows never
    // move: growing adds a chunk instead of copying the table, and a fork shares the chunks.
    private const int ChunkShift = 6;
    private const int ChunkMask = (1 << ChunkShift) - 1;

    private static long s_generations;

    private OrderIndex _index;
    // Submitted sizes (price × volume of the 逐笔委托 row), only kept in Submitted mode.
    private SubmittedOrderSizes _submitted;
    private readonly BigOrderSizing _sizing;

    // Copy-on-write: every chunk of rows (with its early side table and its column of submitted sizes) and the submitted
    // sizes carry the generation of the book that may write them in place. A fork gives both books
    // new generations, so each copies a shared piece (and only that piece) before its first write.
    private long _generation = NewGeneration();

    // One 16-byte row per order in fixed chunks: a fill touches one cache line per order.
    private OrderRow[][] _chunks = [];
    // Per chunk of rows, E and EL of its rows whose flags do not give them, or null while every row
    // of the chunk has them zero or in its flags: an order filled early and then late, or early
    // partly as the aggressor — about one chunk in five of those with early fills (20 % of 32 %
    // of all chunks at 5000 × 20,000). Shared and copied together with its chunk of rows.
    private EarlyRow[]?[] _earlyChunks = [];
    private long[] _chunkGeneration = [];
    // Per chunk, bit j: row j is a sell order; row j's size is a submitted one (else its filled
    // amount; Submitted mode only). Written once, when the row is made; each book has its own
    // arrays (a fork copies them).
    private ulong[] _sellBits = [];
    private ulong[]? _submittedBits;
    // Submitted mode only: per chunk of rows, each row's submitted size (where its bit is set).
    private long[][]? _sizeChunks;
    private int _capacity;
    private long _submittedGeneration;

    // Derived from the rows, owned by this book alone: the buckets of each power of two reached
    // (null: no order of that size) and the slab their member lists live in. Null when a fork took
    // them over; rebuilt from the rows at this book's next use (EnsureDerived).
    private Octave?[]? _octaves;
    // True from a day's start (and a new book's, a decoded one's, a fork of a deferred one) until the
    // first flush, or, where the flush is told to defer until the book is queried (a day whose only
    // query is the close: daily outputs), until the first flush or query after the first θ query.
    // Until then fills write rows only, the derived structures stay empty (flush mark 0, nothing
    // held), and a query scans every row (SumBig). So a close-only day never builds them: listing each
    // order in a bucket and moving it as its fills grow it cost more than the close's one scan. A day
    // queried every minute builds them at the end of its first run of fills, as before.
    private bool _deferred = true;
    private bool _queriedWhileDeferred;
    private int[] _slab = [];
    private int _slabUsed;
    private int _freeBlocks = -1; // a chain of free blocks through their first int
    // Whether the slab's entries are 32-bit row numbers; false (16-bit) while every row number
    // fits in 16 bits, i.e. the book has at most 65,536 rows (see WidenMembers).
    private bool _wideMembers;

    // Pieces this book copied before writing them, and derived structures it rebuilt (tests).
    internal long RowChunkCopies { get; private set; }

    // Chunks of rows that have an early side table (tests).
    internal int EarlySideTables
    {
        get
        {
            int n = 0;
            for (int c = 0; c < (Count + ChunkMask) >> ChunkShift; c++) if (_earlyChunks[c] is not null) n++;
            return n;
        }
    }

    // Whether this book and `other` hold the same early side table of row i's chunk (tests).
    internal bool SharesEarlySideTable(BigOrderBook other, int i) =>
        _earlyChunks[i >> ChunkShift] is { } side && ReferenceEquals(side, other._earlyChunks[i >> ChunkShift]);
    internal long DerivedRebuilds { get; private set; }

    // Ints of the member slab handed out so far (freed blocks included: they are reused first).
    internal int MemberSlabInts
    {
        get
        {
            if (_octaves is not null && !_deferred) Flush();
            return _slabUsed;
        }
    }

    public BigOrderBook(BigOrderSizing sizing = BigOrderSizing.Filled)
    {
        _sizing = sizing;
        _index = new OrderIndex();
        _submitted = new SubmittedOrderSizes();
        _submittedGeneration = _generation;
        _octaves = new Octave?[Octaves];
        _scanned = NewKeptScan();
        if (sizing == BigOrderSizing.Submitted)
        {
            _submittedBits = [];
            _sizeChunks = [];
        }
    }

    // A fork: the index and submitted sizes come from the book forked, none are made to be replaced.
    private BigOrderBook(BigOrderSizing sizing, OrderIndex index, SubmittedOrderSizes submitted)
    {
        _sizing = sizing;
        _index = index;
        _submitted = submitted;
    }

    /// <summary>Number of parent orders (buy and sell together).</summary>
    public int Count { get; private set; }

    /// <summary>Σ size (classification size: filled, or submitted) over all orders, exact.</summary>
    public Int128 SizeSum { get; private set; }

    /// <summary>Σ size² over all orders, exact.</summary>
    public Int128 SizeSquareSum { get; private set; }

    /// <summary>Σ A² over buy orders (filled amounts, exact) — factor 20.</summary>
    public Int128 BuyAmountSquareSum { get; private set; }

    /// <summary>Σ A² over sell orders (filled amounts, exact) — factor 20.</summary>
    public Int128 SellAmountSquareSum { get; private set; }

    public BigOrderSizing Sizing => _sizing;

    /// <summary>True once the day's order ids turned out sparse (the id index hashes).</summary>
    public bool SparseIds => _index.IsSparse;

    /// <summary>Classification size of the order at row <paramref name="index"/> (rows in first-appearance order).</summary>
    public long ClassificationSizeOf(int index) => ClassSize(index);

    /// <summary>The largest filled amount an order's row holds (2⁶¹ − 1 ticks; −2⁶¹ the smallest): a fill beyond it throws.</summary>
    internal const long MaxFilledAmount = OrderRow.MaxAmount;

    private ref OrderRow Row(int i) => ref _chunks[i >> ChunkShift][i & ChunkMask];

    // Row i's four sums: its row, and E and EL from the row where its flags say so, else from its
    // early side (zero where its chunk has none).
    private OrderSums SumsOf(int i)
    {
        ref readonly var o = ref Row(i);
        int flags = o.Flags;
        long amount = o.Amount;
        var side = flags != (OrderRow.EarlyIsAmount | OrderRow.EarlyActiveIsLogRet) && _earlyChunks[i >> ChunkShift] is { } t ? t[i & ChunkMask] : default;
        return new OrderSums
        {
            Amount = amount,
            Early = (flags & OrderRow.EarlyIsAmount) != 0 ? amount : side.Early,
            LogRet = o.LogRet,
            EarlyActiveLogRet = (flags & OrderRow.EarlyActiveIsLogRet) != 0 ? o.LogRet : side.EarlyActiveLogRet,
        };
    }

    // Row i's early side for writing, after Writable(i) (which owns the chunk's side table): a
    // side table is made at the chunk's first row whose E or EL its flags cannot give.
    private ref EarlyRow WritableEarly(int i) =>
        ref (_earlyChunks[i >> ChunkShift] ??= LongLivedArrays.NewPiece<EarlyRow>(1 << ChunkShift))[i & ChunkMask];

    // Sets row i's four sums, after Writable(i): E and EL go into the row's flags where they equal
    // A and L (and are not zero), else into the early side, which is made only for a non-zero value.
    private void SetRow(ref OrderRow o, int i, long amount, long logRet, long early, long earlyActive)
    {
        int flags = (early != 0 && early == amount ? OrderRow.EarlyIsAmount : 0) | (earlyActive != 0 && earlyActive == logRet ? OrderRow.EarlyActiveIsLogRet : 0);
        o = new OrderRow(amount, logRet, flags);
        if ((flags & OrderRow.EarlyIsAmount) != 0) early = 0;
        if ((flags & OrderRow.EarlyActiveIsLogRet) != 0) earlyActive = 0;
        if (early != 0 || earlyActive != 0) WritableEarly(i) = new EarlyRow { Early = early, EarlyActiveLogRet = earlyActive };
        else if (_earlyChunks[i >> ChunkShift] is { } side) side[i & ChunkMask] = default; // owned: Writable(i) copied it
    }

    private bool IsSell(int i) => (_sellBits[i >> ChunkShift] & (1UL << i)) != 0;

    // The filled amount, or the submitted size where the order has one (Submitted mode).
    private long ClassSize(int i) => HasSubmittedSize(i) ? _sizeChunks![i >> ChunkShift][i & ChunkMask] : Row(i).Amount;

    private bool HasSubmittedSize(int i) => _submittedBits is { } bits && (bits[i >> ChunkShift] & (1UL << i)) != 0;

    // Row i's side and whether its size is a submitted one (then `size` is kept beside the row).
    private void SetKind(int i, bool sell, bool submitted, long size)
    {
        int c = i >> ChunkShift;
        ulong bit = 1UL << i;
        _sellBits[c] = sell ? _sellBits[c] | bit : _sellBits[c] & ~bit;
        if (_submittedBits is null) return; // Filled mode: every size is the filled amount
        _submittedBits[c] = submitted ? _submittedBits[c] | bit : _submittedBits[c] & ~bit;
        if (submitted) _sizeChunks![c][i & ChunkMask] = size;
    }

    // Row i for writing: its chunk is copied first when another book shares it.
    private ref OrderRow Writable(int i)
    {
        int c = i >> ChunkShift;
        if (_chunkGeneration[c] != _generation) OwnChunk(c);
        return ref _chunks[c][i & ChunkMask];
    }

    private void OwnChunk(int c)
    {
        var chunk = NewChunk();
        int used = Math.Min(1 << ChunkShift, Count - (c << ChunkShift));
        if (used > 0) _chunks[c].AsSpan(0, used).CopyTo(chunk);
        _chunks[c] = chunk;
        if (_earlyChunks[c] is { } shared)
        {
            var side = LongLivedArrays.NewPiece<EarlyRow>(1 << ChunkShift);
            if (used > 0) shared.AsSpan(0, used).CopyTo(side);
            _earlyChunks[c] = side;
        }
        if (_sizeChunks is not null)
        {
            var sizes = LongLivedArrays.NewPiece<long>(1 << ChunkShift);
            if (used > 0) _sizeChunks[c].AsSpan(0, used).CopyTo(sizes);
            _sizeChunks[c] = sizes;
        }
        _chunkGeneration[c] = _generation;
        RowChunkCopies++;
    }

    // The octave of bucket b for writing: allocated when absent.
    private Octave OctaveOf(int b) => _octaves![b >> SubBits] ??= new Octave();

    /// <summary>Remembers a new order's submitted size (Submitted mode only; ignored otherwise).</summary>
    public void AddSubmitted(long orderId, bool sell, long price, long volume)
    {
        if (_sizing != BigOrderSizing.Submitted || price <= 0 || orderId <= 0) return;
        if (_submittedGeneration != _generation)
        {
            _submitted = _submitted.Clone();
            _submittedGeneration = _generation;
        }
        _submitted.Add(orderId, sell, price, volume);
    }

    /// <summary>
    /// Adds one fill to its two parent orders. <paramref name="logReturn"/> is the fill's tick
    /// log return in <see cref="LogScale"/> units; <paramref name="aggressor"/> is 'B', 'S' or
    /// 'N'; a side whose order id is 0 (unknown) has no parent order.
    /// </summary>
    public void AddFill(long buyOrderId, long sellOrderId, long amount, long logReturn, bool early, byte aggressor)
    {
        if (_octaves is null && !_deferred) RebuildDerived();
        if (buyOrderId > 0) AddToOrder(buyOrderId, false, amount, logReturn, early, early && aggressor == (byte)'B');
        if (sellOrderId > 0) AddToOrder(sellOrderId, true, amount, logReturn, early, early && aggressor == (byte)'S');
    }

    // Adds a fill to its order's row (made by this fill when the order is new) and to the size
    // moments; the bucket sums and member lists follow at the next flush (see BigOrderBookHeld.cs):
    // a row made since the last flush is listed then, an older one is held with its sums as the
    // buckets have them. The index keys rows by id and side, so the row's side is `sell`.
    private void AddToOrder(long orderId, bool sell, long amount, long logRet, bool early, bool earlyAggressor)
    {
        int i = IndexOf(orderId, sell, out bool added);
        Debug.Assert(IsSell(i) == sell);
        long earlyDelta = early ? amount : 0, earlyActiveDelta = earlyAggressor ? logRet : 0;
        long before, after;
        if (added)
        {
            // IndexOf made the row (and its early side entry, where its chunk has a side table) zero in
            // a chunk of this book's own: its sums are this fill's.
            before = 0;
            after = amount;
            if (earlyDelta == 0 && earlyActiveDelta == 0) Row(i) = new OrderRow(amount, logRet, 0);
            else SetRow(ref Row(i), i, amount, logRet, earlyDelta, earlyActiveDelta);
        }
        else
        {
            if (i < _flushMark) Hold(i);
            ref var o = ref Writable(i);
            before = o.Amount;
            after = o.AmountAfter(amount);
            if (o.Flags == 0 && earlyDelta == 0 && earlyActiveDelta == 0) o = new OrderRow(after, o.LogRet + logRet, 0); // E and EL stay where they are
            else
            {
                var was = SumsOf(i);
                SetRow(ref o, i, after, was.LogRet + logRet, was.Early + earlyDelta, was.EarlyActiveLogRet + earlyActiveDelta);
            }
        }
        // after² − before² = amount · (before + after), exact: the change of Σ A² by side and, for an
        // order sized by its fills, of Σ s². The row took `after`, so both lie within ±2⁶¹ and their sum
        // and `amount` fit in 64 bits: one 64 × 64 → 128-bit multiply, not a 128 × 128 one.
        Int128 sqDelta = Math.BigMul(amount, before + after);
        if (sell) SellAmountSquareSum += sqDelta; else BuyAmountSquareSum += sqDelta;
        if (HasSubmittedSize(i)) return;
        SizeSum += amount;
        SizeSquareSum += sqDelta;
    }

    // A change of a bucket sum: the bucket, the cached suffix and the kept scan (ListNewRows does the same inline).
    private void AddToBucket(int b, in SumRow d)
    {
        OctaveOf(b).Sums[b & SubMask].Add(in d);
        if (b >= _suffixStart) _suffix.Add(in d);
        ForgetScanOf(b);
    }

    private void SubtractFromBucket(int b, in SumRow d)
    {
        OctaveOf(b).Sums[b & SubMask].Subtract(in d);
        if (b >= _suffixStart) _suffix.Subtract(in d);
        ForgetScanOf(b);
    }

    private static SumRow RowOf(in OrderSums o, bool sell) => sell
        ? new SumRow(o.Amount, 0, o.Early, o.LogRet, o.EarlyActiveLogRet)
        : new SumRow(o.Amount, o.Early, 0, o.LogRet, o.EarlyActiveLogRet);

    // Row of an order, made (zero) at its first fill (listed in its bucket at the next flush).
    private int IndexOf(long orderId, bool sell, out bool added)
    {
        int i = _index.GetOrAdd(orderId, sell, out added);
        if (!added) return i;
        if (i > ushort.MaxValue && !_wideMembers) WidenMembers();
        Count++;
        if (i == _capacity) Grow(_capacity + 1);
        Writable(i) = default;
        if (_earlyChunks[i >> ChunkShift] is { } side) side[i & ChunkMask] = default; // a reused chunk's row of an earlier day
        long submitted = 0;
        bool fromFills = _sizing == BigOrderSizing.Filled || !_submitted.TryGet(orderId, sell, out submitted);
        SetKind(i, sell, !fromFills, submitted);
        if (!fromFills) SetSize(0, submitted);
        return i;
    }

    private void SetSize(long old, long size)
    {
        SizeSum += size - old;
        SizeSquareSum += (Int128)size * size - (Int128)old * old;
    }

    // Row i's size shrank from bucket `from` to `to` (a negative amount, never seen in a market):
    // its entries in the buckets it passes back through are removed, so none of them turns live
    // again, and it joins `to`. (A growing size leaves its entry behind as stale: see FlushHeld.)
    private void MoveDown(int i, int from, int to)
    {
        for (int b = to; b <= from; b++)
            if (_octaves![b >> SubBits] is { } seen && seen.Lists[b & SubMask].Count > 0)
                Compact(b, exclude: i);
        Append(to, i);
    }

    // Filled sizes only grow, so an order never returns to a bucket it left: its entry there is
    // left behind as stale (one count written) and dropped when stale entries are the majority.
    private void CompactIfStale(int b)
    {
        ref var list = ref OctaveOf(b).Lists[b & SubMask];
        if (list.Stale >= MinStaleToCompact && 2 * list.Stale > list.Count) Compact(b, exclude: -1);
    }

    // Builds the bucket sums and member lists from the rows (after a fork took them over, or a decode).
    private void RebuildDerived()
    {
        _octaves = new Octave?[Octaves];
        _slab = [];
        _slabUsed = 0;
        _freeBlocks = -1;
        _wideMembers = Count > ushort.MaxValue + 1;
        ForgetKeptQuery();
        ForgetHeld(Count);
        for (int i = 0; i < Count; i++)
        {
            int b = BucketOf(ClassSize(i));
            Append(b, i);
            AddToBucket(b, RowOf(SumsOf(i), IsSell(i)));
        }
        DerivedRebuilds++;
    }

    /// <summary>Bucket of a size: 8 per power of two, monotone in the size (sizes ≤ 1 share bucket 0).</summary>
    public static int BucketOf(long size)
    {
        if (size <= 1) return 0;
        int oct = BitOperations.Log2((ulong)size);
        long sub = oct >= SubBits ? (size >> (oct - SubBits)) & ((1 << SubBits) - 1) : (size << (SubBits - oct)) & ((1 << SubBits) - 1);
        return (oct << SubBits) + (int)sub;
    }

    /// <summary>Adds chunks (kept ones first) until at least <paramref name="rows"/> rows fit; no row moves.</summary>
    private void Grow(int rows)
    {
        int chunks = (rows + ChunkMask) >> ChunkShift;
        if (chunks > _chunks.Length)
        {
            int length = Math.Max(chunks, Math.Max(4, _chunks.Length * 2));
            Array.Resize(ref _chunks, length);
            Array.Resize(ref _earlyChunks, length);
            Array.Resize(ref _chunkGeneration, length);
            Array.Resize(ref _sellBits, length);
            if (_submittedBits is not null) Array.Resize(ref _submittedBits, length);
            if (_sizeChunks is not null) Array.Resize(ref _sizeChunks, length);
        }
        for (int c = _capacity >> ChunkShift; c < chunks; c++)
            if (_chunks[c] is null || _chunkGeneration[c] != _generation)
            {
                // A spare chunk another book shares is left to it: its rows would be overwritten anyway.
                _chunks[c] = NewChunk();
                _earlyChunks[c] = null;
                if (_sizeChunks is not null) _sizeChunks[c] = LongLivedArrays.NewPiece<long>(1 << ChunkShift);
                _chunkGeneration[c] = _generation;
            }
        _capacity = Math.Max(_capacity, chunks << ChunkShift);
    }

    private static long NewGeneration() => Interlocked.Increment(ref s_generations);

    public void Clear()
    {
        _index.Clear();
        if (_submittedGeneration == _generation) _submitted.Clear();
        else
        {
            _submitted = new SubmittedOrderSizes();
            _submittedGeneration = _generation;
        }
        Count = 0; SizeSum = SizeSquareSum = BuyAmountSquareSum = SellAmountSquareSum = 0;
        if (_octaves is null) RebuildDerived(); // no rows: empty structures
        else
        {
            foreach (var oct in _octaves) oct?.Clear(); // octaves and the slab are this book's own: kept for reuse
            _slabUsed = 0;
            _freeBlocks = -1;
            _wideMembers = false;
        }
        ForgetKeptQuery();
        ForgetHeld(0);
        _deferred = true;
        _queriedWhileDeferred = false;
        if (_scanned.Length < KeptScanStart) _scanned = NewKeptScan();
    }

    // Chunks live as long as some fork holds them, mostly the rest of the day: outside the young generation.
    private static OrderRow[] NewChunk() => LongLivedArrays.NewPiece<OrderRow>(1 << ChunkShift);
}

/// <summary>Sums over the big orders: A, E of buy and sell orders (ticks), L and EL (fixed point, <see cref="BigOrderBook.LogScale"/>).</summary>
public record struct BigOrderSums
{
    public long Amount, EarlyBuy, EarlySell;
    public Int128 LogReturn, EarlyActiveLogReturn;
}
