using System.Numerics;
using Sig.Engine.Config;

namespace Sig.Factors.Intraday;

/// <summary>
/// Parent orders reconstructed from fills: per order its filled amount A, early amount E and
/// the tick-log-return sums L and EL, kept in 48-byte rows in chunks of 64 behind an id → row
/// index (<see cref="OrderIndex"/>: array-indexed where the ids are dense, hashed otherwise).
/// Amounts are exact integers (1/10000 CNY), and so are the moments of the classification
/// sizes (n, Σs, Σs² in 128-bit integers), so θ = μ + k·σ is exact. L and EL are fixed-point
/// integers (<see cref="LogScale"/> units per natural-log unit): every sum over them is exact and
/// does not depend on the order fills arrived in or orders are visited in; it is rounded once
/// when read. Classification is not stored: orders sit in buckets by size (8 per power of two)
/// with per-bucket and per-octave sums of A, E (by side), L and EL and a cached sum of every
/// bucket above the last query's θ, so "Σ over orders with s ≥ θ" is that suffix moved by the
/// buckets θ crossed since plus a scan of the one or two buckets θ falls in, not a scan of every
/// order. A bucket lists its orders in its own append-only member list
/// (not in the order rows), so moving an order between buckets writes only that order's row and
/// the two buckets' structures: after a fork, a fill copies the row chunks of the orders it fills
/// and nothing else of the rows.
/// </summary>
public sealed partial class BigOrderBook
{
    /// <summary>Fixed-point units per natural-log unit of L and EL (2⁴⁴: a resolution of 5.7e-14).</summary>
    public const double LogScale = 17592186044416.0;

    private const int SubBits = 3;
    private const int Octaves = 63;
    private const int SubMask = (1 << SubBits) - 1;
    private const int Buckets = Octaves << SubBits;
    // Rows per storage chunk (64 × 48 bytes): the unit a fork copies before writing. Rows never
    // move: growing adds a chunk instead of copying the table, and a fork shares the chunks.
    private const int ChunkShift = 6;
    private const int ChunkMask = (1 << ChunkShift) - 1;

    private static long s_generations;

    private OrderIndex _index;
    // Submitted sizes (price × volume of the 逐笔委托 row), only kept in Submitted mode.
    private SubmittedOrderSizes _submitted;
    private readonly BigOrderSizing _sizing;

    // Copy-on-write: every chunk of rows, every octave of bucket sums and the submitted sizes carry
    // the generation of the book that may write them in place. A fork gives both books new
    // generations, so each copies a shared piece (and only that piece) before its first write.
    private long _generation = NewGeneration();

    // One 48-byte row per order in fixed chunks: a fill touches one or two cache lines per order.
    private OrderRow[][] _chunks = [];
    private long[] _chunkGeneration = [];
    private int _capacity;
    private long _submittedGeneration;

    // The buckets of one power of two, allocated when the first order of that size arrives
    // (a symbol-day uses a dozen or so of the 63): null is an octave with no order.
    private readonly Octave?[] _octaves = new Octave?[Octaves];

    // Pieces this book copied before writing them (tests bound what a write after a fork copies).
    internal long RowChunkCopies { get; private set; }
    internal long MemberChunkCopies { get; private set; }

    public BigOrderBook(BigOrderSizing sizing = BigOrderSizing.Filled)
    {
        _sizing = sizing;
        _index = new OrderIndex();
        _submitted = new SubmittedOrderSizes();
        _submittedGeneration = _generation;
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
    public long ClassificationSizeOf(int index) => Row(index).ClassSize;

    private ref OrderRow Row(int i) => ref _chunks[i >> ChunkShift][i & ChunkMask];

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
        _chunkGeneration[c] = _generation;
        RowChunkCopies++;
    }

    // The octave of bucket b for writing: allocated when absent, copied first when shared.
    private Octave WritableOctave(int b)
    {
        int o = b >> SubBits;
        var oct = _octaves[o];
        if (oct is null) return _octaves[o] = new Octave(_generation);
        if (oct.Generation != _generation) _octaves[o] = oct = oct.CopyFor(_generation);
        return oct;
    }

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
        if (buyOrderId > 0)
            AddToOrder(IndexOf(buyOrderId, false), amount, logReturn, early, early && aggressor == (byte)'B');
        if (sellOrderId > 0)
            AddToOrder(IndexOf(sellOrderId, true), amount, logReturn, early, early && aggressor == (byte)'S');
    }

    private void AddToOrder(int i, long amount, long logRet, bool early, bool earlyAggressor)
    {
        ref var o = ref Writable(i);
        long before = o.Amount, after = before + amount;
        o.Amount = after;
        Int128 sqDelta = (Int128)amount * (2 * (Int128)before + amount);
        bool sell = o.IsSell;
        if (sell) SellAmountSquareSum += sqDelta; else BuyAmountSquareSum += sqDelta;
        long earlyDelta = early ? amount : 0, earlyActiveDelta = earlyAggressor ? logRet : 0;
        o.LogRet += logRet;
        o.Early += earlyDelta;
        o.EarlyActiveLogRet += earlyActiveDelta;
        if (o.SizeFromFills) SetSize(ref o, after);
        int from = o.Bucket, to = BucketOf(o.ClassSize);
        if (from == to)
        {
            // Same bucket: only the increments move its and its octave's sums.
            AddToBucket(from, new SumRow(amount, sell ? 0 : earlyDelta, sell ? earlyDelta : 0, logRet, earlyActiveDelta));
            return;
        }
        var old = new SumRow(before, sell ? 0 : o.Early - earlyDelta, sell ? o.Early - earlyDelta : 0, o.LogRet - logRet, o.EarlyActiveLogRet - earlyActiveDelta);
        SubtractFromBucket(from, in old);
        o.Bucket = to;
        Move(i, from, to);
        AddToBucket(to, RowOf(in o));
    }

    // Every change of a bucket sum goes through these two: the bucket, its octave and the cached suffix.
    private void AddToBucket(int b, in SumRow d)
    {
        var oct = WritableOctave(b);
        oct.Sums[b & SubMask].Add(in d);
        oct.Sums[SubMask + 1].Add(in d);
        if (b >= _suffixStart) _suffix.Add(in d);
        ForgetScanOf(b);
    }

    private void SubtractFromBucket(int b, in SumRow d)
    {
        var oct = WritableOctave(b);
        oct.Sums[b & SubMask].Subtract(in d);
        oct.Sums[SubMask + 1].Subtract(in d);
        if (b >= _suffixStart) _suffix.Subtract(in d);
        ForgetScanOf(b);
    }

    private static SumRow RowOf(in OrderRow o) => o.IsSell
        ? new SumRow(o.Amount, 0, o.Early, o.LogRet, o.EarlyActiveLogRet)
        : new SumRow(o.Amount, o.Early, 0, o.LogRet, o.EarlyActiveLogRet);

    private int IndexOf(long orderId, bool sell)
    {
        int i = _index.GetOrAdd(orderId, sell, out bool added);
        if (!added) return i;
        Count++;
        if (i == _capacity) Grow(_capacity + 1);
        ref var o = ref Writable(i);
        o = new OrderRow { IsSell = sell };
        long submitted = 0;
        bool fromFills = _sizing == BigOrderSizing.Filled || !_submitted.TryGet(orderId, sell, out submitted);
        o.SizeFromFills = fromFills;
        if (!fromFills) SetSize(ref o, submitted);
        o.Bucket = BucketOf(o.ClassSize);
        Append(o.Bucket, i);
        return i;
    }

    private void SetSize(ref OrderRow o, long size)
    {
        long old = o.ClassSize;
        o.ClassSize = size;
        SizeSum += size - old;
        SizeSquareSum += (Int128)size * size - (Int128)old * old;
    }

    // Bucket membership. Row i's Bucket already names the bucket it is listed in or moves to.
    private void Append(int b, int i)
    {
        ForgetScanOf(b);
        var oct = WritableOctave(b);
        if (oct.Members[b & SubMask].Append(i, oct.OwnsList(b & SubMask))) MemberChunkCopies++;
        oct.MarkListOwned(b & SubMask);
    }

    // Row i (its Bucket already set to `to`) leaves bucket `from` for `to`. Filled sizes only grow,
    // so an order never returns to a bucket it left: its entry there is left behind as stale (one
    // count written, no other order's row) and dropped when stale entries are the majority.
    private void Move(int i, int from, int to)
    {
        if (to < from)
        {
            // A shrinking size (a negative amount, never seen in a market): the order's entries in
            // the buckets it passes back through are removed, so none of them turns live again.
            for (int b = to; b <= from; b++)
                if (_octaves[b >> SubBits] is { } seen && seen.Members[b & SubMask].Count > 0)
                    Compact(WritableOctave(b), b, exclude: i);
            Append(to, i);
            return;
        }
        var oct = WritableOctave(from);
        ref var members = ref oct.Members[from & SubMask];
        members.Stale++;
        if (members.Stale >= MinStaleToCompact && 2 * members.Stale > members.Count) Compact(oct, from, exclude: -1);
        Append(to, i);
    }

    private const int MinStaleToCompact = 16;

    // Rewrites bucket b's list with its live entries only (fresh arrays: the old ones may be shared).
    private void Compact(Octave oct, int b, int exclude)
    {
        ref var members = ref oct.Members[b & SubMask];
        var live = new BucketMembers();
        for (int j = 0; j < members.Count; j++)
        {
            int i = members.Chunks![j >> MemberShift][j & MemberMask];
            if (i != exclude && Row(i).Bucket == b) live.Append(i, owned: true);
        }
        members = live;
        oct.MarkListOwned(b & SubMask);
    }

    /// <summary>The rows listed live in bucket <paramref name="bucket"/>, ascending (tests).</summary>
    internal int[] MembersOf(int bucket)
    {
        var rows = new List<int>();
        if (_octaves[bucket >> SubBits] is { } oct)
        {
            var members = oct.Members[bucket & SubMask];
            for (int j = 0; j < members.Count; j++)
            {
                int i = members.Chunks![j >> MemberShift][j & MemberMask];
                if (Row(i).Bucket == bucket) rows.Add(i);
            }
        }
        rows.Sort();
        return [.. rows];
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
            Array.Resize(ref _chunkGeneration, length);
        }
        for (int c = _capacity >> ChunkShift; c < chunks; c++)
            if (_chunks[c] is null || _chunkGeneration[c] != _generation)
            {
                // A spare chunk another book shares is left to it: its rows would be overwritten anyway.
                _chunks[c] = NewChunk();
                _chunkGeneration[c] = _generation;
            }
        _capacity = Math.Max(_capacity, chunks << ChunkShift);
    }

    private static long Key(long orderId, bool sell) => (orderId << 1) | (sell ? 1L : 0L);

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
        for (int o = 0; o < Octaves; o++)
        {
            // Owned octaves are kept for reuse (cleared); shared ones are left to the other book.
            if (_octaves[o] is { } oct && oct.Generation == _generation) oct.Clear();
            else _octaves[o] = null;
        }
        Count = 0; SizeSum = SizeSquareSum = BuyAmountSquareSum = SellAmountSquareSum = 0;
        _suffix = default;
        _suffixStart = Buckets;
        _scanLow = _scanHigh = -1;
        _scannedCount = 0;
    }

    /// <summary>
    /// An equal, independent book that shares every piece of storage with this one until either
    /// writes it: a fork costs the chunk directory (one reference per 64 rows) and the octave
    /// directory, and afterwards each book copies a chunk of rows, an octave of bucket sums, an
    /// index page or the submitted sizes before its first write to it. Both books may be written.
    /// </summary>
    public BigOrderBook Fork()
    {
        _generation = NewGeneration(); // what this book wrote in place so far is shared from now on
        var c = new BigOrderBook(_sizing, _index.Fork(), _submitted) { _submittedGeneration = 0 };
        int chunks = (Count + ChunkMask) >> ChunkShift;
        c._chunks = new OrderRow[Math.Max(chunks, 4)][];
        c._chunkGeneration = new long[c._chunks.Length];
        Array.Copy(_chunks, c._chunks, chunks);
        c._capacity = chunks << ChunkShift;
        _octaves.CopyTo(c._octaves, 0);
        c.Count = Count; c.SizeSum = SizeSum; c.SizeSquareSum = SizeSquareSum;
        c.BuyAmountSquareSum = BuyAmountSquareSum; c.SellAmountSquareSum = SellAmountSquareSum;
        c._suffix = _suffix; c._suffixStart = _suffixStart;
        c._scanned = _scanned; c._scannedCount = _scannedCount; c._scanLow = _scanLow; c._scanHigh = _scanHigh;
        return c;
    }

    // Chunks live as long as some fork holds them, and copy-on-write makes many of them short-lived:
    // ordinary small-object arrays (pinned-heap allocations count toward full collections).
    private static OrderRow[] NewChunk() => new OrderRow[1 << ChunkShift];
}

/// <summary>Sums over the big orders: A, E of buy and sell orders (ticks), L and EL (fixed point, <see cref="BigOrderBook.LogScale"/>).</summary>
public record struct BigOrderSums
{
    public long Amount, EarlyBuy, EarlySell;
    public Int128 LogReturn, EarlyActiveLogReturn;
}
