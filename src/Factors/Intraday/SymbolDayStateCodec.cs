using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Persistence;
using Sig.Engine.Time;

namespace Sig.Factors.Intraday;

/// <summary>
/// The byte form of a <see cref="SymbolDayState"/> in persisted snapshots (the body format is
/// described in docs/store-and-journal.md, "Pipeline snapshots"). It writes what the state
/// knows and nothing it can rebuild: the bar fold (<see cref="MinuteBarFold"/>) is not part of the
/// state (its evaluator refolds from bar 1, which performs the same operations in the same order
/// and so gives the same bits); the big-order book's bucket member lists, bucket sums and size moments are
/// rebuilt from its order rows (exact integers, so the order they are added in does not matter).
/// A restored state continued with the same events gives the same rows as the original.
/// </summary>
public static class SymbolDayStateCodec
{
    /// <summary>Bumped whenever the body changes; part of the shard snapshot's version.</summary>
    public const ushort Version = 2; // 2: paged order-id index

    public static void Write(SnapshotWriter w, SymbolDayState state) => state.WriteTo(w);

    /// <summary>Replaces <paramref name="into"/>'s content (its arrays are reused); throws <see cref="InvalidDataException"/> on bad bytes.</summary>
    public static void Read(SnapshotReader r, SymbolDayState into) => into.ReadFrom(r);

    internal static void Write(SnapshotWriter w, in RunningMoments m)
    {
        w.WriteVar(m.N);
        w.Write(m.Mean); w.Write(m.M2); w.Write(m.M3); w.Write(m.M4); w.Write(m.Min); w.Write(m.Max);
    }

    internal static RunningMoments ReadMoments(SnapshotReader r) => new()
    {
        N = r.ReadVar(), Mean = r.ReadDouble(), M2 = r.ReadDouble(), M3 = r.ReadDouble(), M4 = r.ReadDouble(),
        Min = r.ReadDouble(), Max = r.ReadDouble(),
    };

    internal static void Write(SnapshotWriter w, in RunningCoMoments m)
    {
        w.WriteVar(m.N);
        w.Write(m.MeanX); w.Write(m.MeanY); w.Write(m.M2X); w.Write(m.M2Y); w.Write(m.Cxy);
        w.Write(m.MinX); w.Write(m.MaxX); w.Write(m.MinY); w.Write(m.MaxY);
    }

    internal static RunningCoMoments ReadCoMoments(SnapshotReader r) => new()
    {
        N = r.ReadVar(), MeanX = r.ReadDouble(), MeanY = r.ReadDouble(), M2X = r.ReadDouble(), M2Y = r.ReadDouble(),
        Cxy = r.ReadDouble(), MinX = r.ReadDouble(), MaxX = r.ReadDouble(), MinY = r.ReadDouble(), MaxY = r.ReadDouble(),
    };
}

public sealed partial class SymbolDayState
{
    internal void WriteTo(SnapshotWriter w)
    {
        w.Write(Symbol.Value);
        w.WriteVar(Version); w.WriteVar(TotalAmount); w.WriteVar(EarlyBuyAmount); w.WriteVar(EarlySellAmount);
        w.WriteVar(LastBar); w.WriteVar(LastSeq); w.WriteVar(CloseAuctionVolume); w.WriteVar(CloseAuctionAmount);
        w.WriteVar(_lastFillPrice); w.WriteVar(_lastFillLog);
        Bars.WriteTo(w);
        SymbolDayStateCodec.Write(w, OrderStream.BuyVolume);
        SymbolDayStateCodec.Write(w, OrderStream.SellVolume);
        SymbolDayStateCodec.Write(w, OrderStream.EarlyVolume);
        SymbolDayStateCodec.Write(w, OrderStream.BuyLimitVolumePrice);
        Orders.WriteTo(w);
    }

    internal void ReadFrom(SnapshotReader r)
    {
        Clear();
        Symbol = new SymbolCode(r.ReadInt32());
        Version = r.ReadVar(); TotalAmount = r.ReadVar(); EarlyBuyAmount = r.ReadVar(); EarlySellAmount = r.ReadVar();
        LastBar = (int)r.ReadVar(); LastSeq = r.ReadVar(); CloseAuctionVolume = r.ReadVar(); CloseAuctionAmount = r.ReadVar();
        _lastFillPrice = r.ReadVar(); _lastFillLog = r.ReadVar();
        if (LastBar is < 0 or > SessionBars.BarsPerDay) throw new InvalidDataException($"{Symbol}: last bar {LastBar}");
        Bars.ReadFrom(r);
        (DayHigh, DayLow, DayVolume) = Bars.DayTotals(); // not written: they are the bars' (the format stays as it was)
        OrderStream.BuyVolume = SymbolDayStateCodec.ReadMoments(r);
        OrderStream.SellVolume = SymbolDayStateCodec.ReadMoments(r);
        OrderStream.EarlyVolume = SymbolDayStateCodec.ReadMoments(r);
        OrderStream.BuyLimitVolumePrice = SymbolDayStateCodec.ReadCoMoments(r);
        Orders.ReadFrom(r);
    }
}

public sealed partial class MinuteBarSeries
{
    // Only traded bars are written: a bar without fills is all zero.
    internal void WriteTo(SnapshotWriter w)
    {
        w.WriteVar(Fills); w.WriteVar(FirstPrice);
        int traded = 0;
        for (int b = 0; b < Slots; b++) if (_bars[b].Count > 0) traded++;
        w.WriteVar(traded);
        for (int b = 0; b < Slots; b++)
        {
            ref readonly var bar = ref _bars[b];
            if (bar.Count == 0) continue;
            w.WriteVar(b);
            w.WriteVar(bar.Open); w.WriteVar(bar.High); w.WriteVar(bar.Low); w.WriteVar(bar.Close);
            w.WriteVar(bar.Volume); w.WriteVar(bar.Amount); w.WriteVar(bar.Count); w.WriteVar(bar.NetActiveBuy);
        }
    }

    internal void ReadFrom(SnapshotReader r)
    {
        Clear();
        Fills = r.ReadVar(); FirstPrice = r.ReadVar();
        int traded = r.ReadCount(Slots, "traded bars");
        long counted = 0;
        for (int k = 0; k < traded; k++)
        {
            long b = r.ReadVar();
            if (b is < 0 or >= Slots) throw new InvalidDataException($"bar {b} out of range");
            ref var bar = ref Writable((int)b);
            bar.Open = r.ReadVar(); bar.High = r.ReadVar(); bar.Low = r.ReadVar(); bar.Close = r.ReadVar();
            bar.Volume = r.ReadVar(); bar.Amount = r.ReadVar(); bar.Count = (int)r.ReadVar(); bar.NetActiveBuy = r.ReadVar();
            if (b > _top) _top = (int)b;
            counted += bar.Count;
        }
        // The fills are the bars' counts (a fold checks its bars against them): a mismatch is corrupt bytes.
        if (counted != Fills) throw new InvalidDataException($"{Fills} fills, {counted} in the bars");
    }

    // The highest and lowest price and Σ volume over the traded bars (MinValue, MaxValue, 0 when none).
    internal (long High, long Low, long Volume) DayTotals()
    {
        long high = long.MinValue, low = long.MaxValue, volume = 0;
        for (int b = 1; b <= _top; b++)
        {
            ref readonly var bar = ref _bars[b];
            if (bar.Count == 0) continue;
            if (bar.High > high) high = bar.High;
            if (bar.Low < low) low = bar.Low;
            volume += bar.Volume;
        }
        return (high, low, volume);
    }
}

public sealed partial class BigOrderBook
{
    // Rows above this per symbol-day mean corrupt bytes rather than a market.
    private const int MaxRows = 1 << 28;

    internal void WriteTo(SnapshotWriter w)
    {
        w.Write((byte)_sizing);
        int n = Count;
        w.WriteVar(n);
        _index.WriteTo(w, n);
        for (int i = 0; i < n; i++)
        {
            var o = SumsOf(i);
            w.WriteVar(o.Amount); w.WriteVar(o.Early); w.WriteVar(o.LogRet); w.WriteVar(o.EarlyActiveLogRet); w.WriteVar(ClassSize(i));
            w.Write((byte)((IsSell(i) ? 1 : 0) | (HasSubmittedSize(i) ? 0 : 2)));
        }
        _submitted.WriteTo(w);
    }

    internal void ReadFrom(SnapshotReader r)
    {
        var sizing = (BigOrderSizing)r.ReadByte();
        if (sizing != _sizing) throw new InvalidDataException($"big orders sized by {sizing}, this engine sizes by {_sizing}");
        Clear();
        int n = r.ReadCount(MaxRows, "orders");
        if (_capacity < n) Grow(n);
        _index.ReadFrom(r, n);
        Count = n;
        for (int i = 0; i < n; i++)
        {
            var o = new OrderSums { Amount = r.ReadVar(), Early = r.ReadVar(), LogRet = r.ReadVar(), EarlyActiveLogRet = r.ReadVar() };
            SetRow(ref Writable(i), i, o.Amount, o.LogRet, o.Early, o.EarlyActiveLogRet);
            long size = r.ReadVar();
            byte flags = r.ReadByte();
            bool sell = (flags & 1) != 0, fromFills = (flags & 2) != 0;
            if (!fromFills && _sizeChunks is null) throw new InvalidDataException("a submitted size in a book sized by filled amounts");
            if (fromFills && size != o.Amount) throw new InvalidDataException($"order {i}: size {size} is not its filled amount {o.Amount}");
            SetKind(i, sell, !fromFills, size);
            SizeSum += size;
            SizeSquareSum += (Int128)size * size;
            if (sell) SellAmountSquareSum += (Int128)o.Amount * o.Amount;
            else BuyAmountSquareSum += (Int128)o.Amount * o.Amount;
        }
        // Derived: the buckets, their lists and sums, built from the rows at the first use.
        _octaves = null;
        _submitted.ReadFrom(r, MaxRows); // Clear() above left this book owning its table
    }
}

public sealed partial class OrderIndex
{
    /// <summary>The layout (sparse, or the dense pages' range) and each row's (order id, side) key, rows in order, keys as deltas.</summary>
    internal void WriteTo(SnapshotWriter w, int rows)
    {
        if (Count != rows) throw new InvalidOperationException($"order index holds {Count} orders, the book {rows}");
        w.Write((byte)(IsSparse ? 1 : 0));
        w.WriteVar(_pageCount > 0 ? _firstPage : 0); // stale once the pages are released
        w.WriteVar(_pageCount);
        // Every row has exactly one key, so the rented array's first rows entries are all written.
        // Entries at rows >= rows are a fork's, added in place to storage this index shares.
        var rented = System.Buffers.ArrayPool<long>.Shared.Rent(rows);
        var keys = rented.AsSpan(0, rows);
        if (IsSparse) _map!.ForEach((key, row) => { if (row < rows) rented[row] = key; });
        else
            for (int j = 0; j < _pageCount; j++)
            {
                ref readonly var d = ref _dir[j];
                if (!d.Allocated) continue;
                long firstId = (_firstPage + j) << PageShift;
                for (int k = 0; k < PageSize; k++)
                    if (d.ValueAt(k) is var v and not 0 && d.Base + ((v - 1) >> 1) is var row && row < rows) keys[row] = Key(firstId + k, ((v - 1) & 1) == 1);
            }
        long previous = 0;
        foreach (long key in keys)
        {
            w.WriteVar(key - previous);
            previous = key;
        }
        System.Buffers.ArrayPool<long>.Shared.Return(rented);
    }

    internal void ReadFrom(SnapshotReader r, int rows)
    {
        Clear();
        byte flags = r.ReadByte();
        if (flags > 1) throw new InvalidDataException($"order index flags {flags}");
        bool sparse = flags == 1;
        long firstPage = r.ReadVar();
        long pages = r.ReadVar();
        // Widen keeps the dense pages within 8 slots per order plus the slack (a first page always fits).
        if (pages < 0 || (pages > 1 && pages * PageSize > (long)MaxSpanPerOrder * rows + SlackSlots) || (sparse && pages != 0))
            throw new InvalidDataException($"dense order index of {pages} pages for {rows} orders");
        if (firstPage < 0 || firstPage > long.MaxValue >> PageShift) throw new InvalidDataException($"order index first page {firstPage}");
        if (pages > 0) Reshape(firstPage, (int)pages);
        if (sparse)
        {
            _countHint = Math.Max(_countHint, rows);
            GoSparse();
        }
        long key = 0;
        for (int row = 0; row < rows; row++)
        {
            key += r.ReadVar();
            if (key <= 0) throw new InvalidDataException($"order key {key}");
            long id = key >> 1;
            bool sell = (key & 1) == 1;
            if (TryGet(id, sell, out _)) throw new InvalidDataException($"order key {key} twice");
            if (!sparse && (ulong)((id >> PageShift) - _firstPage) >= (ulong)_pageCount) throw new InvalidDataException($"order id {id} outside the dense pages");
            GetOrAdd(id, sell, out _);
            if (!sparse && IsSparse) throw new InvalidDataException($"order id {id} is a buy and a sell order in a dense index");
        }
    }
}

public sealed partial class OrderIdMap
{
    /// <summary>Every (key, value) pair, in slot order.</summary>
    internal void ForEach(Action<long, int> visit)
    {
        for (int i = 0; i < _keys.Length; i++) if (_keys[i] != 0) visit(_keys[i], _values[i]);
    }
}
