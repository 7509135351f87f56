using System.Runtime.CompilerServices;
using Sig.Engine.Memory;

namespace Sig.Factors.Intraday;

/// <summary>
/// Parent order (id, side) → row index for one symbol-day; rows are handed out in order (0, 1, 2,
/// …). Order ids that are dense within the symbol-day (SSE OrderNo; SZSE ApplSeqNum where one
/// symbol fills most of its channel) are looked up by array index in pages of
/// <see cref="PageSize"/> ids covering [low, high]: no hashing, rows of recent orders sit next to
/// each other, and widening the range adds pages instead of moving the table. A slot is 16 bits
/// while the day has fewer than <see cref="NarrowRows"/> orders (every page then becomes 32 bits,
/// once). When the ids turn
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

    /// <summary>Orders a day may hold in 16-bit slots: (row &lt;&lt; 1 | sell) + 1 must fit.</summary>
    public const int NarrowRows = ushort.MaxValue >> 1;

    private const int SlackSlots = 1 << 16;
    private const int PageShift = 10;
    private const int PageMask = PageSize - 1;

    private static long s_tokens;

    // Dense: _dir[p − _firstPage].Slots holds (row << 1 | sell) + 1 per id, 0 = no order; slot
    // values are only visible below the entry's Limit. Entries [0, _pageCount) are in use. Every
    // page is a ushort[] while !_wide, an int[] once _wide (read through Unsafe.As on that invariant).
    private PageRef[] _dir = [];
    private bool _wide;
    private long _firstPage;
    private int _pageCount;
    // The append right this index holds: pages and the map stamped with it are written in place.
    private long _token = NewToken();
    // 16-bit pages no longer in use that nothing else sees (reused after Clear); made on first need.
    private Stack<ushort[]>? _free;
    // Sparse: made when the index goes sparse; shared with forks like a page (one stamp, one limit).
    private OrderIdMap? _map;
    private long _mapToken;
    private int _mapLimit;
    private bool _mapExclusive;
    // The day's shape, for the next day: the id range seen and whether a buy and a sell order shared an id.
    private long _lowId = long.MaxValue, _highId;
    private bool _sidesShareIds;
    // The day before (kept by Clear): whether its ids were sparse, and its order count.
    private bool _startSparse;
    private int _countHint;

    private struct PageRef
    {
        public Array Slots;
        // The append right this page may be written under; Limit is int.MaxValue exactly when it is this index's own.
        public long Token;
        public int Limit;
        // Nothing but this index has ever seen this page: it may be cleared and reused.
        public bool Exclusive;
    }

    /// <summary>Orders indexed.</summary>
    public int Count { get; private set; }

    /// <summary>True once the ids turned out sparse (the hash map is in use).</summary>
    public bool IsSparse { get; private set; }

    /// <summary>Slots of the dense table in use (what a full copy moves), 0 when sparse.</summary>
    public int DenseSpan => IsSparse ? 0 : _pageCount * PageSize;

    // Pages this index copied before adding (tests bound it) and the map's slots (tests check the size hint).
    internal long PageCopies { get; private set; }
    internal int MapCapacity => _map?.Capacity ?? 0;

    /// <summary>
    /// The row of order (<paramref name="orderId"/> &gt; 0, side); when absent, adds it with the
    /// next row (<see cref="Count"/> before the add).
    /// </summary>
    public int GetOrAdd(long orderId, bool sell, out bool added)
    {
        if (!IsSparse)
        {
            long p = (orderId >> PageShift) - _firstPage;
            if ((ulong)p < (ulong)_pageCount)
            {
                ref var d = ref _dir[p];
                int v = SlotValue(d.Slots, orderId & PageMask);
                if (v != 0 && (v - 1) >> 1 < d.Limit)
                {
                    if (((v - 1) & 1) == (sell ? 1 : 0))
                    {
                        added = false;
                        return (v - 1) >> 1;
                    }
                    _sidesShareIds = true;
                    GoSparse(); // a buy and a sell order share this id
                }
                else if (_wide || Count < NarrowRows)
                {
                    if (d.Token != _token) OwnPage(ref d);
                    SeeId(orderId);
                    int row = Count++;
                    int value = (row << 1 | (sell ? 1 : 0)) + 1;
                    if (_wide) Unsafe.As<int[]>(d.Slots)[orderId & PageMask] = value;
                    else Unsafe.As<ushort[]>(d.Slots)[orderId & PageMask] = (ushort)value;
                    added = true;
                    return row;
                }
                else
                {
                    GoWide();
                    return GetOrAdd(orderId, sell, out added);
                }
            }
            else if (Widen(orderId >> PageShift)) return GetOrAdd(orderId, sell, out added);
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
        if (IsSparse) return _map!.TryGetValue(Key(orderId, sell), out row) && row < _mapLimit;
        long p = (orderId >> PageShift) - _firstPage;
        row = -1;
        if ((ulong)p >= (ulong)_pageCount) return false;
        int v = SlotValue(_dir[p].Slots, orderId & PageMask);
        if (v == 0 || (v - 1) >> 1 >= _dir[p].Limit || ((v - 1) & 1) != (sell ? 1 : 0)) return false;
        row = (v - 1) >> 1;
        return true;
    }

    private void SeeId(long orderId)
    {
        if (orderId < _lowId) _lowId = orderId;
        if (orderId > _highId) _highId = orderId;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SlotValue(Array page, long k) => _wide ? Unsafe.As<int[]>(page)[k] : Unsafe.As<ushort[]>(page)[k];

    // Before the first add to a page another index may write: this index's own copy of what it sees.
    private void OwnPage(ref PageRef d)
    {
        var page = TakePage();
        CopyVisible(d, page, _wide);
        PageCopies++;
        d = new PageRef { Slots = page, Token = _token, Limit = int.MaxValue, Exclusive = true };
    }

    // Copies the entries of d this index sees into an empty page of the given width.
    private void CopyVisible(in PageRef d, Array to, bool wide)
    {
        for (int k = 0; k < PageSize; k++)
        {
            int v = SlotValue(d.Slots, k);
            if (v == 0 || (v - 1) >> 1 >= d.Limit) continue;
            if (wide) Unsafe.As<int[]>(to)[k] = v;
            else Unsafe.As<ushort[]>(to)[k] = (ushort)v;
        }
    }

    // The day reached NarrowRows orders: every page becomes this index's own 32-bit copy.
    private void GoWide()
    {
        for (int j = 0; j < _pageCount; j++)
        {
            var page = LongLivedArrays.New<int>(PageSize);
            CopyVisible(_dir[j], page, wide: true);
            if (_dir[j].Exclusive) (_free ??= new Stack<ushort[]>()).Push(Unsafe.As<ushort[]>(_dir[j].Slots));
            _dir[j] = new PageRef { Slots = page, Token = _token, Limit = int.MaxValue, Exclusive = true };
        }
        _wide = true;
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
    // their page, the new ones are empty pages of this index's own.
    private void Reshape(long first, int count)
    {
        int shift = _pageCount == 0 ? 0 : (int)(_firstPage - first);
        var dir = count <= _dir.Length ? _dir : new PageRef[Math.Max(count, Math.Max(4, _dir.Length * 2))];
        if (shift > 0) Array.Copy(_dir, 0, dir, shift, _pageCount); // overlapping moves are safe
        else if (!ReferenceEquals(dir, _dir)) Array.Copy(_dir, dir, _pageCount);
        for (int j = 0; j < count; j++)
            if (j < shift || j >= shift + _pageCount)
                dir[j] = new PageRef { Slots = TakePage(), Token = _token, Limit = int.MaxValue, Exclusive = true };
        _dir = dir;
        _firstPage = first;
        _pageCount = count;
    }

    // Pages live for the rest of the day (or the next: freed ones are reused): outside the young generation.
    private Array TakePage()
    {
        if (_wide) return LongLivedArrays.New<int>(PageSize);
        if (_free is null || !_free.TryPop(out var page)) return LongLivedArrays.New<ushort>(PageSize);
        Array.Clear(page);
        return page;
    }

    private void ReleasePages()
    {
        for (int j = 0; j < _pageCount; j++)
        {
            if (_dir[j].Exclusive && !_wide) (_free ??= new Stack<ushort[]>()).Push(Unsafe.As<ushort[]>(_dir[j].Slots));
            _dir[j] = default;
        }
        _pageCount = 0;
    }

    private void GoSparse()
    {
        IsSparse = true;
        for (int j = 0; j < _pageCount; j++)
        {
            var page = _dir[j].Slots;
            int limit = _dir[j].Limit;
            long firstId = (_firstPage + j) << PageShift;
            for (int k = 0; k < PageSize; k++)
                if (SlotValue(page, k) is var v and not 0 && (v - 1) >> 1 < limit) WritableMap().Add(Key(firstId + k, ((v - 1) & 1) == 1), (v - 1) >> 1);
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
        IsSparse = false;
        _wide = false;
        if (_map is not null && _mapExclusive && _mapToken == _token) _map.Clear();
        else _map = null;
        Count = 0;
        _lowId = long.MaxValue; _highId = 0; _sidesShareIds = false;
    }

    /// <summary>
    /// An equal index sharing this one's pages and map: the fork takes over the append right (it
    /// adds to shared storage in place), this index keeps seeing only its current rows and copies
    /// a shared page or the map before adding to it. Costs the page directory (one entry per
    /// 1024 ids). Both indexes may be written.
    /// </summary>
    public OrderIndex Fork()
    {
        var c = new OrderIndex
        {
            IsSparse = IsSparse, Count = Count, _firstPage = _firstPage, _pageCount = _pageCount, _wide = _wide,
            _token = _token, _startSparse = _startSparse, _countHint = _countHint,
            _lowId = _lowId, _highId = _highId, _sidesShareIds = _sidesShareIds,
            // Room for a quarter more pages: the live side widens upwards by a page every ~1024
            // ids, and a fork a few hundred events later would otherwise regrow its directory.
            _dir = _pageCount == 0 ? [] : new PageRef[_pageCount + 1 + (_pageCount >> 2)],
        };
        _token = NewToken(); // the fork appends from now on; this index sees its rows below Count
        for (int j = 0; j < _pageCount; j++)
        {
            ref var d = ref _dir[j];
            d.Exclusive = false;
            c._dir[j] = d;
            if (d.Limit == int.MaxValue) d.Limit = Count;
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
