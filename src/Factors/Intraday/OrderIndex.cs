namespace Sig.Factors.Intraday;

/// <summary>
/// Parent order (id, side) → row index for one symbol-day. Order ids that are dense within the
/// symbol-day (SSE OrderNo; SZSE ApplSeqNum where one symbol fills most of its channel) are
/// looked up by array index in pages of <see cref="PageSize"/> ids covering [low, high]: no
/// hashing, rows of recent orders sit next to each other, and widening the range adds pages
/// instead of moving the table. When the ids turn out sparse (span above
/// <see cref="MaxSpanPerOrder"/> slots per order, e.g. SZSE ids of a symbol among many in a
/// channel) or a buy and a sell order share an id, the index moves to an open-addressing map for
/// the rest of the day. Either way a lookup gives the same row, so results never depend on the path.
/// </summary>
public sealed partial class OrderIndex
{
    /// <summary>Dense slots allowed per order (plus <see cref="SlackSlots"/>) before the ids count as sparse.</summary>
    public const int MaxSpanPerOrder = 8;

    /// <summary>Ids per page of the dense table (4 KiB).</summary>
    public const int PageSize = 1 << PageShift;

    private const int SlackSlots = 1 << 16;
    private const int PageShift = 10;
    private const int PageMask = PageSize - 1;

    private static long s_generations;

    // Dense: page (id >> PageShift) − _firstPage holds (row << 1 | sell) + 1 per id, 0 = no order.
    // Pages [0, _pageCount) are all allocated; the directory and the generations have spare capacity.
    private int[][] _pages;
    // Copy-on-write: a page (and the map) is written in place only by the index whose generation
    // it carries; a fork gives both indexes new generations, so each copies a shared page first.
    private long[] _pageGeneration;
    private long _generation = NewGeneration();
    private long _firstPage;
    private int _pageCount;
    // Pages no longer in use (kept for reuse; cleared when taken by a live index). Only pages this
    // index owned go here: a shared page still belongs to the other index.
    private readonly Stack<int[]> _free = new();
    private OrderIdMap _map;
    private long _mapGeneration;

    public OrderIndex()
    {
        _pages = new int[4][];
        _pageGeneration = new long[4];
        _map = new OrderIdMap();
        _mapGeneration = _generation;
    }

    // A fork's index: the caller's directory and map, nothing allocated that the fork would replace
    // (a shard forks every symbol it writes after each snapshot).
    private OrderIndex(int[][] pages, long[] pageGeneration, OrderIdMap map)
    {
        _pages = pages;
        _pageGeneration = pageGeneration;
        _map = map;
    }

    /// <summary>Orders indexed.</summary>
    public int Count { get; private set; }

    /// <summary>True once the ids turned out sparse (the hash map is in use).</summary>
    public bool IsSparse { get; private set; }

    /// <summary>Slots of the dense table in use (what a full copy moves), 0 when sparse.</summary>
    public int DenseSpan => IsSparse ? 0 : _pageCount * PageSize;

    /// <summary>The row of order (<paramref name="orderId"/> &gt; 0, side); when absent, adds it with row <paramref name="newRow"/>.</summary>
    public int GetOrAdd(long orderId, bool sell, int newRow, out bool added)
    {
        if (!IsSparse)
        {
            long p = (orderId >> PageShift) - _firstPage;
            if ((ulong)p < (ulong)_pageCount)
            {
                int v = _pages[p][orderId & PageMask];
                if (v == 0)
                {
                    if (_pageGeneration[p] != _generation) OwnPage((int)p);
                    _pages[p][orderId & PageMask] = (newRow << 1 | (sell ? 1 : 0)) + 1;
                    Count++;
                    added = true;
                    return newRow;
                }
                if (((v - 1) & 1) == (sell ? 1 : 0))
                {
                    added = false;
                    return (v - 1) >> 1;
                }
                GoSparse(); // a buy and a sell order share this id
            }
            else if (Widen(orderId >> PageShift)) return GetOrAdd(orderId, sell, newRow, out added);
        }
        long key = Key(orderId, sell);
        if (_map.TryGetValue(key, out int row))
        {
            added = false;
            return row;
        }
        WritableMap().Set(key, newRow);
        Count++;
        added = true;
        return newRow;
    }

    private void OwnPage(int p)
    {
        var page = TakePage();
        _pages[p].AsSpan().CopyTo(page);
        _pages[p] = page;
        _pageGeneration[p] = _generation;
    }

    private OrderIdMap WritableMap()
    {
        if (_mapGeneration != _generation)
        {
            _map = _map.Clone();
            _mapGeneration = _generation;
        }
        return _map;
    }

    private static long NewGeneration() => Interlocked.Increment(ref s_generations);

    /// <summary>Adds the pages up to <paramref name="page"/>; false (and sparse from now on) when that would make the table too thin.</summary>
    private bool Widen(long page)
    {
        if (_pageCount == 0)
        {
            _firstPage = page;
            Reshape(page, 1, keep: false);
            return true;
        }
        long first = Math.Min(page, _firstPage), last = Math.Max(page, _firstPage + _pageCount - 1);
        long pages = last - first + 1;
        if (pages * PageSize > (long)MaxSpanPerOrder * Count + SlackSlots)
        {
            GoSparse();
            return false;
        }
        Reshape(first, (int)pages, keep: true);
        return true;
    }

    // Makes the directory cover pages [first, first + count): pages already covered move with
    // their content and generation (when keep), new ones are empty and owned.
    private void Reshape(long first, int count, bool keep)
    {
        int shift = (int)(_firstPage - first);
        var pages = count <= _pages.Length ? _pages : new int[Math.Max(count, _pages.Length * 2)][];
        var generations = count <= _pageGeneration.Length ? _pageGeneration : new long[pages.Length];
        if (keep && shift > 0)
        {
            // Moving up: copy from the top down so nothing is overwritten before it moved.
            for (int j = _pageCount - 1; j >= 0; j--) { pages[j + shift] = _pages[j]; generations[j + shift] = _pageGeneration[j]; }
            for (int j = 0; j < shift; j++) { pages[j] = TakePage(); generations[j] = _generation; }
        }
        else if (keep)
        {
            if (!ReferenceEquals(pages, _pages)) { Array.Copy(_pages, pages, _pageCount); Array.Copy(_pageGeneration, generations, _pageCount); }
        }
        int from = keep ? (shift > 0 ? _pageCount + shift : _pageCount) : 0;
        for (int j = from; j < count; j++) { pages[j] = TakePage(); generations[j] = _generation; }
        _pages = pages;
        _pageGeneration = generations;
        _firstPage = first;
        _pageCount = count;
    }

    private int[] TakePage()
    {
        if (!_free.TryPop(out var page)) return new int[PageSize]; // copy-on-write makes pages short-lived too: not pinned
        Array.Clear(page);
        return page;
    }

    private void ReleasePages()
    {
        for (int j = 0; j < _pageCount; j++)
        {
            if (_pageGeneration[j] == _generation) _free.Push(_pages[j]);
            _pages[j] = null!;
        }
        _pageCount = 0;
    }

    private void GoSparse()
    {
        IsSparse = true;
        for (int j = 0; j < _pageCount; j++)
        {
            var page = _pages[j];
            long firstId = (_firstPage + j) << PageShift;
            for (int k = 0; k < PageSize; k++)
                if (page[k] is var v and not 0) WritableMap().Set(Key(firstId + k, ((v - 1) & 1) == 1), (v - 1) >> 1);
        }
        ReleasePages();
    }

    private static long Key(long orderId, bool sell) => (orderId << 1) | (sell ? 1L : 0L);

    /// <summary>Forgets every order (pages are kept for reuse).</summary>
    public void Clear()
    {
        ReleasePages();
        IsSparse = false;
        if (_mapGeneration == _generation) _map.Clear();
        else
        {
            _map = new OrderIdMap();
            _mapGeneration = _generation;
        }
        Count = 0;
    }

    /// <summary>
    /// An equal, independent index sharing this one's pages and map until either writes them (the
    /// page directory is copied: one reference per 1024 ids). Both indexes may be written.
    /// </summary>
    public OrderIndex Fork()
    {
        _generation = NewGeneration(); // this index's pages are shared from now on
        var c = new OrderIndex(new int[Math.Max(4, _pageCount)][], new long[Math.Max(4, _pageCount)], _map)
        {
            IsSparse = IsSparse, Count = Count, _firstPage = _firstPage, _pageCount = _pageCount,
        };
        Array.Copy(_pages, c._pages, _pageCount);
        return c;
    }
}
