using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sig.Engine.Memory;

namespace Sig.Factors.Intraday;

/// <summary>
/// Parent order (id, side) → row index for one symbol-day; rows are handed out in order (0, 1, 2,
/// …). Order ids that are dense within the symbol-day (SSE OrderNo; SZSE ApplSeqNum where one
/// symbol fills most of its channel) are looked up by array index in pages of
/// <see cref="PageSize"/> ids covering [low, high]: no hashing, rows of recent orders sit next to
/// each other, and widening the range adds directory entries instead of moving the table. A page
/// is allocated at its first order and holds rows relative to that order's row in 16 bits (a page
/// whose rows spread wider than <see cref="NarrowRows"/> becomes 32 bits alone). When the ids turn
/// out sparse (span above <see cref="MaxSpanPerOrder"/> slots per order, e.g. SZSE ids of a
/// symbol among many in a channel), or a buy and a sell order share an id, or the day before
/// was sparse (see <see cref="Clear"/>), the index uses an open-addressing map for the rest of the
/// day. Either way a lookup gives the same row, so results never depend on the path.
/// </summary>
/// <remarks>
/// Forks share storage: a slot is written once (empty → row) and never changed while shared, so
/// the index that inherits the <em>append right</em> (<see cref="Fork"/> hands it to the fork, the
/// live side in a shard) keeps adding to shared pages and the shared map in place, and every other
/// index sharing them sees only rows below its own count at the time it lost the right (its
/// <em>limit</em> for that page or map). An index without the right copies a shared page (or the
/// map) before its first add to it, dropping the entries it must not see. Only the index
/// storage exclusively (made since its last fork) is reused after <see cref="Clear"/>.
/// </remarks>
public sealed partial class OrderIndex
{
    /// <summary>Dense slots allowed per order (plus <see cref="SlackSlots"/>) before the ids count as sparse.</summary>
    public const int MaxSpanPerOrder = 8;

    /// <summary>Ids per page of the dense table (2 KiB of 16-bit slots, 4 KiB of 32-bit ones).</summary>
    public const int PageSize = 1 << PageShift;

    /// <summary>Rows a 16-bit page holds above its first row: ((row − first) &lt;&lt; 1 | sell) + 1 must fit.</summary>
    public const int NarrowRows = ushort.MaxValue >> 1;

    private const int SlackSlots = 1 << 16;
    private const int PageShift = 10;
    private const int PageMask = PageSize - 1;

    private static long s_tokens;

    // Limits of a page this index holds the append right to: OwnAlone when nothing else has ever
    // seen the page (it may be cleared and reused), OwnShared when another index sees it below its own limit.
    private const int OwnAlone = int.MaxValue;
    private const int OwnShared = int.MaxValue - 1;

    // Dense: the directory entry of page p covers ids [p·PageSize, (p+1)·PageSize) and is
    // _dir[p − _firstPage]; entries [0, _pageCount) are in use. A slot holds ((row − Base) << 1 | sell) + 1,
    // 0 = no order; values are only visible below the entry's Limit. A page is allocated at its
    // first order (Base = that order's row), 16-bit until a row reaches Base + NarrowRows. A page
    // is this index's own (it may write it in place) exactly when its Limit is OwnShared or OwnAlone:
    // rows never come near either, so the one comparison a lookup makes covers own pages too.
    private PageRef[] _dir = [];
    private long _firstPage;
    private int _pageCount;
    // The append right this index holds to the map: a map stamped with it is written in place.
    private long _token = NewToken();
    // 16-bit pages no longer in use that nothing else sees (reused after Clear); made on first need.
    private Stack<ushort[]>? _free;
    // Sparse: made when the index goes sparse; shared with forks like a page (one stamp, one limit).
    private OrderIdMap? _map;
    private long _mapToken;
    private int _mapLimit;
    private bool _mapExclusive;
    private bool _sparse;
    // The day's shape, for the next day: the id range seen and whether a buy and a sell order shared an id.
    private long _lowId = long.MaxValue, _highId;
    private bool _sidesShareIds;
    // The day before (kept by Clear): whether its ids were sparse, and its order count.
    private bool _startSparse;
    private int _countHint;

    // 24 bytes, as many as the directory entry had before pages were relative and allocated lazily.
    private struct PageRef
    {
        // The slots: 16-bit (Narrow) or, once a row passed Base + NarrowRows, 32-bit (Wide); both null until the page's first order.
        public ushort[]? Narrow;
        public int[]? Wide;
        // The row of the page's first order: slots hold rows relative to it, so 16 bits last all day
        // wherever the orders of 1024 neighbouring ids first fill within NarrowRows rows of each other.
        public int Base;
        // Rows at or above it are not this index's (another index added them in place); OwnShared or OwnAlone on its own pages.
        public int Limit;

        public readonly bool Allocated => Narrow is not null || Wide is not null;
        public readonly bool Own => Limit >= OwnShared;

        public readonly int ValueAt(int k) => Narrow is { } n ? n[k] : Wide is { } w ? w[k] : 0;
    }

    /// <summary>Orders indexed.</summary>
    public int Count { get; private set; }

    /// <summary>True once the ids turned out sparse (the hash map is in use).</summary>
    public bool IsSparse => _sparse;

    /// <summary>Slots the dense directory covers (what the id range spans), 0 when sparse.</summary>
    public int DenseSpan => _sparse ? 0 : _pageCount * PageSize;

    // Pages this index copied before adding (tests bound it), the map's slots (tests check the size
    // hint), and the directory's allocated and 32-bit pages (tests check pages are made only where used).
    internal long PageCopies { get; private set; }
    internal int MapCapacity => _map?.Capacity ?? 0;
    internal int AllocatedPages => CountPages(wide: false);
    internal int WidePages => CountPages(wide: true);

    private int CountPages(bool wide)
    {
        int n = 0;
        for (int j = 0; j < _pageCount; j++) if (wide ? _dir[j].Wide is not null : _dir[j].Allocated) n++;
        return n;
    }

    /// <summary>
    /// The row of order (<paramref name="orderId"/> &gt; 0, side); when absent, adds it with the
    /// next row (<see cref="Count"/> before the add).
    /// </summary>
    /// <remarks>
    /// Inlined into the caller: the hit on a 16-bit page (nearly every lookup of a fill's parent
    /// order that is not its first fill) is a directory entry and a slot read without bounds checks
    /// (the page index is checked against <c>_pageCount</c>, which never exceeds the directory's
    /// length; a slot index is masked to a page, and every page is <see cref="PageSize"/> long).
    /// A new order on a 16-bit page of its own is <see cref="AddInPlace"/> — without reading its slot
    /// when its id is above every id added so far (a taker order's first fill, where ids are sequence
    /// numbers); everything else — a 32-bit page, a new or shared page, the map — is <see cref="GetOrAddSlow"/>.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetOrAdd(long orderId, bool sell, out bool added)
    {
        long p = (orderId >> PageShift) - _firstPage;
        if (!_sparse && (ulong)p < (ulong)_pageCount)
        {
            ref var d = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_dir), (nint)p);
            if (d.Narrow is { } page)
            {
                ref ushort slot = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(page), (nint)(orderId & PageMask));
                // An id above every id this index ever added (SeeId) is a new order: on a page of this
                // index's own, which only it writes, its slot is empty, so the slot is written without
                // being read (a new order's slot line is rarely in the cache; the store does not wait).
                if (orderId > _highId && d.Limit >= OwnShared)
                {
                    Debug.Assert(slot == 0);
                    return AddInPlace(ref slot, d.Base, orderId, sell, out added);
                }
                int v = slot - 1;
                int row = d.Base + (v >> 1);
                if (v >= 0 && row < d.Limit && (v & 1) == (sell ? 1 : 0))
                {
                    added = false;
                    return row;
                }
                if (v < 0 && d.Limit >= OwnShared) return AddInPlace(ref slot, d.Base, orderId, sell, out added);
            }
        }
        return GetOrAddSlow(orderId, sell, out added);
    }

    // A new order on a 16-bit page of this index's own: the slot is written in place unless the
    // row is too far above the page's first for 16 bits.
    private int AddInPlace(ref ushort slot, int pageBase, long orderId, bool sell, out bool added)
    {
        int row = Count;
        if (row - pageBase >= NarrowRows) return GetOrAddSlow(orderId, sell, out added);
        SeeId(orderId);
        Count = row + 1;
        slot = (ushort)(((row - pageBase) << 1 | (sell ? 1 : 0)) + 1);
        added = true;
        return row;
    }

    private int GetOrAddSlow(long orderId, bool sell, out bool added)
    {
        if (!_sparse)
        {
            long p = (orderId >> PageShift) - _firstPage;
            if ((ulong)p >= (ulong)_pageCount && Widen(orderId >> PageShift)) p = (orderId >> PageShift) - _firstPage;
            if (!_sparse)
            {
                ref var d = ref _dir[p];
                int k = (int)(orderId & PageMask);
                int v = d.ValueAt(k) - 1;
                if (v >= 0 && d.Base + (v >> 1) < d.Limit)
                {
                    if ((v & 1) == (sell ? 1 : 0))
                    {
                        added = false;
                        return d.Base + (v >> 1);
                    }
                    _sidesShareIds = true;
                    GoSparse(); // a buy and a sell order share this id
                }
                else
                {
                    int row = Count;
                    if (!d.Allocated) d = new PageRef { Narrow = TakePage(), Base = row, Limit = OwnAlone };
                    else if (!d.Own) OwnPage(ref d);
                    if (d.Narrow is not null && row - d.Base >= NarrowRows) GoWide(ref d);
                    SeeId(orderId);
                    Count++;
                    int value = ((row - d.Base) << 1 | (sell ? 1 : 0)) + 1;
                    if (d.Narrow is { } narrow) narrow[k] = (ushort)value;
                    else d.Wide![k] = value;
                    added = true;
                    return row;
                }
            }
        }
        long key = Key(orderId, sell);
        if (_map!.TryGetValue(key, out int found) && found < _mapLimit)
        {
            added = false;
            return found;
        }
        SeeId(orderId);
        int next = Count++;
        WritableMap().Add(key, next);
        added = true;
        return next;
    }

    /// <summary>The row of order (<paramref name="orderId"/>, side), false when it has none.</summary>
    public bool TryGet(long orderId, bool sell, out int row)
    {
        if (_sparse) return _map!.TryGetValue(Key(orderId, sell), out row) && row < _mapLimit;
        long p = (orderId >> PageShift) - _firstPage;
        row = -1;
        if ((ulong)p >= (ulong)_pageCount) return false;
        ref readonly var d = ref _dir[p];
        int v = d.ValueAt((int)(orderId & PageMask)) - 1;
        if (v < 0 || d.Base + (v >> 1) >= d.Limit || (v & 1) != (sell ? 1 : 0)) return false;
        row = d.Base + (v >> 1);
        return true;
    }

    private void SeeId(long orderId)
    {
        if (orderId < _lowId) _lowId = orderId;
        if (orderId > _highId) _highId = orderId;
    }

    // Before the first add to a page another index may write: this index's own copy of what it sees.
    private void OwnPage(ref PageRef d)
    {
        var own = new PageRef { Base = d.Base, Limit = OwnAlone };
        if (d.Narrow is not null) own.Narrow = TakePage();
        else own.Wide = LongLivedArrays.NewPiece<int>(PageSize);
        CopyVisible(in d, ref own);
        PageCopies++;
        d = own;
    }

    // Copies the entries of `from` this index sees into the empty page `to` (same Base).
    private static void CopyVisible(in PageRef from, ref PageRef to)
    {
        for (int k = 0; k < PageSize; k++)
        {
            int v = from.ValueAt(k);
            if (v == 0 || from.Base + ((v - 1) >> 1) >= from.Limit) continue;
            if (to.Narrow is { } narrow) narrow[k] = (ushort)v;
            else to.Wide![k] = v;
        }
    }

    // A row reached the page's Base + NarrowRows: the page becomes this index's own 32-bit copy
    // (other indexes sharing the 16-bit page keep it).
    private void GoWide(ref PageRef d)
    {
        var wide = new PageRef { Wide = LongLivedArrays.NewPiece<int>(PageSize), Base = d.Base, Limit = OwnAlone };
        CopyVisible(in d, ref wide);
        if (d.Limit == OwnAlone) (_free ??= new Stack<ushort[]>()).Push(d.Narrow!);
        d = wide;
    }

    private OrderIdMap WritableMap()
    {
        if (_map is null)
        {
            _map = new OrderIdMap(Math.Max(Count, _countHint));
            _mapToken = _token;
            _mapLimit = int.MaxValue;
            _mapExclusive = true;
        }
        else if (_mapToken != _token)
        {
            _map = _map.CopyBelow(_mapLimit, Math.Max(Count, _countHint));
            _mapToken = _token;
            _mapLimit = int.MaxValue;
            _mapExclusive = true;
        }
        return _map;
    }

    private static long NewToken() => Interlocked.Increment(ref s_tokens);

    /// <summary>Adds the pages up to <paramref name="page"/>; false (and sparse from now on) when that would make the table too thin.</summary>
    private bool Widen(long page)
    {
        if (_startSparse)
        {
            GoSparse();
            return false;
        }
        if (_pageCount == 0)
        {
            _firstPage = page;
            Reshape(page, 1);
            return true;
        }
        long first = Math.Min(page, _firstPage), last = Math.Max(page, _firstPage + _pageCount - 1);
        long pages = last - first + 1;
        if (pages * PageSize > (long)MaxSpanPerOrder * Count + SlackSlots)
        {
            GoSparse();
            return false;
        }
        Reshape(first, (int)pages);
        return true;
    }

    // Makes the directory cover pages [first, first + count): entries already covered move with
    // their page, the new ones are empty (a page is allocated at its first order).
    private void Reshape(long first, int count)
    {
        int shift = _pageCount == 0 ? 0 : (int)(_firstPage - first);
        var dir = count <= _dir.Length ? _dir : new PageRef[Math.Max(count, Math.Max(4, _dir.Length * 2))];
        if (shift > 0) Array.Copy(_dir, 0, dir, shift, _pageCount); // overlapping moves are safe
        else if (!ReferenceEquals(dir, _dir)) Array.Copy(_dir, dir, _pageCount);
        for (int j = 0; j < count; j++)
            if (j < shift || j >= shift + _pageCount)
                dir[j] = default;
        _dir = dir;
        _firstPage = first;
        _pageCount = count;
    }

    // Pages live for the rest of the day (or the next: freed ones are reused): outside the young generation.
    private ushort[] TakePage()
    {
        if (_free is null || !_free.TryPop(out var page)) return LongLivedArrays.NewPiece<ushort>(PageSize);
        Array.Clear(page);
        return page;
    }

    private void ReleasePages()
    {
        for (int j = 0; j < _pageCount; j++)
        {
            if (_dir[j].Limit == OwnAlone && _dir[j].Narrow is { } page) (_free ??= new Stack<ushort[]>()).Push(page);
            _dir[j] = default;
        }
        _pageCount = 0;
    }

    private void GoSparse()
    {
        _sparse = true;
        for (int j = 0; j < _pageCount; j++)
        {
            ref readonly var d = ref _dir[j];
            if (!d.Allocated) continue;
            long firstId = (_firstPage + j) << PageShift;
            for (int k = 0; k < PageSize; k++)
                if (d.ValueAt(k) is var v and not 0 && d.Base + ((v - 1) >> 1) is var row && row < d.Limit)
                    WritableMap().Add(Key(firstId + k, ((v - 1) & 1) == 1), row);
        }
        ReleasePages();
        WritableMap();
    }

    private static long Key(long orderId, bool sell) => (orderId << 1) | (sell ? 1L : 0L);

    /// <summary>
    /// Forgets every order (storage nothing else sees is kept for reuse). The day forgotten is the
    /// hint for the next: an index whose ids were sparse starts the next day sparse, with its map
    /// sized for as many orders, instead of filling dense pages it would abandon.
    /// </summary>
    public void Clear()
    {
        if (Count > 0)
        {
            // The day's own shape decides, not the path it took (a day begun sparse may have been dense).
            _startSparse = _sidesShareIds || _highId - _lowId + 1 > (long)MaxSpanPerOrder * Count + SlackSlots;
            _countHint = Count;
        }
        ReleasePages();
        _sparse = false;
        if (_map is not null && _mapExclusive && _mapToken == _token) _map.Clear();
        else _map = null;
        Count = 0;
        _lowId = long.MaxValue; _highId = 0; _sidesShareIds = false;
    }

    /// <summary>
    /// An equal index sharing this one's pages and map: the fork takes over the append right (it
    /// adds to shared storage in place), this index keeps seeing only its current rows and copies
    /// a shared page or the map before adding to it. Costs the page directory (one entry per
    /// 1024 ids). Both indexes may be written. <paramref name="into"/>, a dropped index nothing
    /// refers to any more, becomes the fork: its object and (where long enough) its directory are
    /// written over, and its free pages (which nothing else ever saw) stay its own; the pages and
    /// map its directory named are let go.
    /// </summary>
    public OrderIndex Fork(OrderIndex? into = null)
    {
        // Room for a quarter more pages: the live side widens upwards by a page every ~1024
        // ids, and a fork a few hundred events later would otherwise regrow its directory.
        int length = _pageCount == 0 ? 0 : _pageCount + 1 + (_pageCount >> 2);
        var c = into is null || into == this ? new OrderIndex() : into;
        if (c._dir.Length <= _pageCount) c._dir = length == 0 ? [] : new PageRef[length];
        else Array.Clear(c._dir, _pageCount, c._dir.Length - _pageCount);
        c._sparse = _sparse; c.Count = Count; c._firstPage = _firstPage; c._pageCount = _pageCount;
        c._token = _token; c._startSparse = _startSparse; c._countHint = _countHint;
        c._lowId = _lowId; c._highId = _highId; c._sidesShareIds = _sidesShareIds;
        c._map = null; c._mapToken = 0; c._mapLimit = 0; c._mapExclusive = false;
        c.PageCopies = 0;
        _token = NewToken(); // the fork appends from now on; this index sees its rows below Count
        for (int j = 0; j < _pageCount; j++)
        {
            ref var d = ref _dir[j];
            if (!d.Own)
            {
                c._dir[j] = d;
                continue;
            }
            c._dir[j] = d with { Limit = OwnShared };
            d.Limit = Count;
        }
        if (_map is not null)
        {
            c._map = _map.View();
            c._mapToken = _mapToken; c._mapLimit = _mapLimit;
            _mapExclusive = false;
            if (_mapLimit == int.MaxValue) _mapLimit = Count;
        }
        return c;
    }
}
