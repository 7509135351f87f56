namespace Sig.Replay.Generator;

/// <summary>
/// A price-time-priority limit order book for one symbol-day, struct-of-arrays: price levels
/// are array slots on the 0.01 CNY grid between the day's limit_down and limit_up, each level
/// a FIFO of resting orders linked through per-order next/prev indices. Order slots are
/// numbered in arrival order and never reused within a day; all arrays are kept across days,
/// so a warm book allocates nothing. It stores and queries only; matching rules live in
/// <see cref="MatchingEngine"/> and <see cref="CallAuction"/>.
/// </summary>
public sealed class OrderBook
{
    /// <summary>Price grid step in FixedPrice ticks (0.01 CNY).</summary>
    public const long Tick = 100;
    public const byte Buy = (byte)'B';
    public const byte Sell = (byte)'S';

    private long _limitDown;
    private int[] _bidHead = [], _bidTail = [], _askHead = [], _askTail = [];
    private long[] _bidQty = [], _askQty = [];

    private long[] _orderId = new long[1024], _open = new long[1024], _price = new long[1024];
    private int[] _level = new int[1024], _next = new int[1024], _prev = new int[1024], _livePos = new int[1024];
    private byte[] _side = new byte[1024];
    private int _slots;

    // Resting orders in no particular order, so agents can pick one at random in O(1).
    private int[] _live = new int[1024];

    public int Levels { get; private set; }
    /// <summary>Highest level with resting bids, or -1.</summary>
    public int BestBid { get; private set; }
    /// <summary>Lowest level with resting asks, or <see cref="Levels"/> when there are none.</summary>
    public int BestAsk { get; private set; }
    public int LiveCount { get; private set; }

    /// <summary>Empties the book for a new day whose prices lie in [limitDown, limitUp].</summary>
    public void Reset(long limitDown, long limitUp)
    {
        _limitDown = limitDown;
        Levels = (int)((limitUp - limitDown) / Tick) + 1;
        if (_bidHead.Length < Levels)
        {
            int n = Math.Max(Levels, _bidHead.Length * 2);
            _bidHead = new int[n]; _bidTail = new int[n]; _askHead = new int[n]; _askTail = new int[n];
            _bidQty = new long[n]; _askQty = new long[n];
        }
        Array.Fill(_bidHead, -1, 0, Levels); Array.Fill(_askHead, -1, 0, Levels);
        Array.Fill(_bidTail, -1, 0, Levels); Array.Fill(_askTail, -1, 0, Levels);
        Array.Clear(_bidQty, 0, Levels); Array.Clear(_askQty, 0, Levels);
        _slots = 0;
        LiveCount = 0;
        BestBid = -1;
        BestAsk = Levels;
    }

    public long PriceOfLevel(int level) => _limitDown + level * Tick;

    /// <summary>Level of a price on the grid, clamped into the day's limits.</summary>
    public int LevelOf(long price) => (int)Math.Clamp((price - _limitDown) / Tick, 0, Levels - 1);

    public long BidQtyAt(int level) => _bidQty[level];
    public long AskQtyAt(int level) => _askQty[level];
    public long QtyAt(byte side, int level) => side == Buy ? _bidQty[level] : _askQty[level];

    /// <summary>The oldest resting order at a level on one side, or -1.</summary>
    public int HeadAt(byte side, int level) => side == Buy ? _bidHead[level] : _askHead[level];

    public long OrderIdOf(int slot) => _orderId[slot];
    public long OpenOf(int slot) => _open[slot];
    public long PriceOf(int slot) => _price[slot];
    public byte SideOf(int slot) => _side[slot];
    public int LevelOfSlot(int slot) => _level[slot];
    public int LiveAt(int index) => _live[index];

    /// <summary>Rests an order at the tail of its level (time priority) and returns its slot.</summary>
    public int Add(long orderId, byte side, long price, long qty)
    {
        if (_slots == _orderId.Length) GrowSlots();
        int slot = _slots++;
        int level = LevelOf(price);
        _orderId[slot] = orderId; _open[slot] = qty; _price[slot] = price; _side[slot] = side; _level[slot] = level;
        _next[slot] = -1;
        if (side == Buy)
        {
            _prev[slot] = _bidTail[level];
            if (_bidTail[level] >= 0) _next[_bidTail[level]] = slot; else _bidHead[level] = slot;
            _bidTail[level] = slot;
            _bidQty[level] += qty;
            if (level > BestBid) BestBid = level;
        }
        else
        {
            _prev[slot] = _askTail[level];
            if (_askTail[level] >= 0) _next[_askTail[level]] = slot; else _askHead[level] = slot;
            _askTail[level] = slot;
            _askQty[level] += qty;
            if (level < BestAsk) BestAsk = level;
        }
        _livePos[slot] = LiveCount;
        _live[LiveCount++] = slot;
        return slot;
    }

    /// <summary>Takes <paramref name="qty"/> shares off a resting order (a fill); a fully filled order leaves the book.</summary>
    public void Reduce(int slot, long qty)
    {
        _open[slot] -= qty;
        if (_side[slot] == Buy) _bidQty[_level[slot]] -= qty; else _askQty[_level[slot]] -= qty;
        if (_open[slot] == 0) Unlink(slot);
    }

    /// <summary>Removes a resting order with all its open quantity (a cancellation).</summary>
    public void Remove(int slot)
    {
        long qty = _open[slot];
        _open[slot] = 0;
        if (_side[slot] == Buy) _bidQty[_level[slot]] -= qty; else _askQty[_level[slot]] -= qty;
        Unlink(slot);
    }

    private void Unlink(int slot)
    {
        int level = _level[slot], prev = _prev[slot], next = _next[slot];
        bool buy = _side[slot] == Buy;
        int[] head = buy ? _bidHead : _askHead, tail = buy ? _bidTail : _askTail;
        if (prev >= 0) _next[prev] = next; else head[level] = next;
        if (next >= 0) _prev[next] = prev; else tail[level] = prev;

        int pos = _livePos[slot], last = _live[--LiveCount];
        _live[pos] = last;
        _livePos[last] = pos;

        // A best level that empties moves the best outward to the next non-empty level.
        if (buy && level == BestBid && _bidQty[level] == 0)
        {
            int l = level - 1;
            while (l >= 0 && _bidQty[l] == 0) l--;
            BestBid = l;
        }
        else if (!buy && level == BestAsk && _askQty[level] == 0)
        {
            int l = level + 1;
            while (l < Levels && _askQty[l] == 0) l++;
            BestAsk = l;
        }
    }

    /// <summary>
    /// Shares resting on one side within <paramref name="levels"/> non-empty levels from the best,
    /// and the price of the last of those levels (what a sweep of that depth would pay).
    /// </summary>
    public long DepthWithin(byte side, int levels, out long worstPrice)
    {
        long total = 0;
        worstPrice = 0;
        int seen = 0;
        if (side == Sell)
        {
            for (int l = BestAsk; l < Levels && seen < levels; l++)
                if (_askQty[l] > 0) { total += _askQty[l]; worstPrice = PriceOfLevel(l); seen++; }
        }
        else
        {
            for (int l = BestBid; l >= 0 && seen < levels; l--)
                if (_bidQty[l] > 0) { total += _bidQty[l]; worstPrice = PriceOfLevel(l); seen++; }
        }
        return total;
    }

    private void GrowSlots()
    {
        int n = _orderId.Length * 2;
        Array.Resize(ref _orderId, n); Array.Resize(ref _open, n); Array.Resize(ref _price, n);
        Array.Resize(ref _level, n); Array.Resize(ref _next, n); Array.Resize(ref _prev, n);
        Array.Resize(ref _livePos, n); Array.Resize(ref _side, n); Array.Resize(ref _live, n);
    }
}
