using System.Numerics;
using System.Runtime.CompilerServices;
using Sig.Engine.Time;

namespace Sig.Factors.Intraday;

// Factor 13's ranking: the traded bars ordered by average trade size, larger first and, at equal
// averages, the earlier bar first; the top set is the first ⌈3T/10⌉ of T traded bars.
public sealed partial class MinuteBarFold
{
    // The ranking is kept as two binary heaps split at the top set's edge, not as one sorted array:
    // the top set with its lowest-ranked bar at the root (at most 72 bars), the rest with its
    // highest-ranked bar at the root (at most 168). A new bar goes into one of them and at most one
    // bar crosses the edge, so an insertion reads the two roots and one path of each heap it
    // changes: O(log T) slots, a few cache lines. The sorted array it replaces shifted half its
    // entries on average and binary-searched cold memory: ≈ 0.4 µs a bar late in the day, a third
    // of a late minute step (docs/factor-core-rounds.md, nineteenth round). Only the membership of
    // the top set is an output, and it is the same set whichever structure ranks the bars.
    // The minute step reads only the two roots, kept beside the counts (_topRoot, _restRoot: each
    // heap's slot 0 once settled); the heaps themselves are written in the apply (SettleRanking). So
    // the step's reads of a fold stay within the object and its first arrays, and a shard's folds,
    // made together with their heaps left for a pass of their own (MinuteBarFold(rankingLater: true),
    // AllocateRanking), lie side by side: fewer pages for the step to walk (docs/factor-core-rounds.md,
    // twenty-ninth round).
    private RankedBar[] _topHeap = [], _restHeap = [];
    private int _topCount, _restCount;
    private RankedBar _topRoot, _restRoot;

    // At most ⌈3·240/10⌉ = 72 bars in the top set and 240 − 72 = 168 in the rest (one slot spare).
    private const int TopHeapSlots = (3 * SessionBars.BarsPerDay + 9) / 10, RestHeapSlots = SessionBars.BarsPerDay - TopHeapSlots + 1;

    private readonly record struct RankedBar(double Average, int Bar);

    // a before b in the ranking: larger average, or the same average and an earlier bar.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Above(in RankedBar a, in RankedBar b) => a.Average > b.Average || (a.Average == b.Average && a.Bar < b.Bar);

    // The heap writes an insertion decided but left for later (SettleRanking): at most one per heap,
    // either a push of the bar or a replacement of the root by it.
    private RankedBar _topPending, _restPending;
    private HeapWrite _topWrite, _restWrite;

    private enum HeapWrite : byte { None, Push, ReplaceRoot }

    // Ranks traded bar `bar` (the newest folded) and moves the top set's edge to ⌈3T/10⌉ of the new T:
    // the set gains the new bar or the rest's best, or swaps its lowest for the new bar, or is unchanged.
    // The decision needs only the two roots, and the output only the set's bits and product; the
    // heaps' own sifts (a path of cold slots each, ≈ 15 % of a live-order minute step) are left
    // pending, for the apply of the symbol's next run of events (SettleRanking) or, at the latest,
    // the next insertion. The heaps' contents once settled are the same either way.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void InsertBySize(int bar, double avg)
    {
        SettleRanking();
        var x = new RankedBar(avg, bar);
        int traded = _topCount + _restCount + 1;
        int top = (3 * traded + 9) / 10; // exact ⌈3T/10⌉ (0.3·T in floating point overshoots at T = 10, 20, …)
        if (top > _topCount)
        {
            // The set gains one bar: the best of the rest and the new bar.
            if (_restCount > 0 && Above(in _restRoot, in x))
            {
                var entering = _restRoot;
                (_restWrite, _restPending) = (HeapWrite.ReplaceRoot, x);
                (_topWrite, _topPending) = (HeapWrite.Push, entering);
                SetTop(entering.Bar);
                _topProductValid = false; // an earlier bar enters the middle of the ascending product
            }
            else
            {
                (_topWrite, _topPending) = (HeapWrite.Push, x);
                SetTop(bar);
                if (_topProductValid) _topProduct *= 1 + _ret[bar];
            }
        }
        else if (_topCount > 0 && Above(in x, in _topRoot))
        {
            // Same size: the new bar takes the place of the set's lowest, which joins the rest.
            var leaving = _topRoot;
            (_topWrite, _topPending) = (HeapWrite.ReplaceRoot, x);
            (_restWrite, _restPending) = (HeapWrite.Push, leaving);
            SetTop(bar);
            ClearTop(leaving.Bar);
            _topProductValid = false;
        }
        else (_restWrite, _restPending) = (HeapWrite.Push, x);
    }

    /// <summary>
    /// Writes the ranking heaps' pending sifts of the last insertion. The CPU backend calls it after
    /// each run of the symbol's events, so the minute step's insertion finds them done.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SettleRanking()
    {
        if (_topWrite != HeapWrite.None)
        {
            if (_topWrite == HeapWrite.Push) PushTop(_topPending);
            else ReplaceTopRoot(_topPending);
            _topRoot = _topHeap[0];
        }
        if (_restWrite != HeapWrite.None)
        {
            if (_restWrite == HeapWrite.Push) PushRest(_restPending);
            else ReplaceRestRoot(_restPending);
            _restRoot = _restHeap[0];
        }
        _topWrite = _restWrite = HeapWrite.None;
    }

    /// <summary>Whether the ranking heaps are allocated (see <see cref="AllocateRanking"/>).</summary>
    internal bool HasRanking => _topHeap.Length != 0;

    /// <summary>Allocates the ranking heaps of a fold made with <c>rankingLater</c> (before its first fold).</summary>
    internal void AllocateRanking()
    {
        if (HasRanking) return;
        _topHeap = new RankedBar[TopHeapSlots];
        _restHeap = new RankedBar[RestHeapSlots];
    }

    // Which of two bars a heap keeps nearer its root: the top heap's root is the set's lowest-ranked
    // bar, the rest heap's the rest's best. One heap code for both, specialised by the JIT per order.
    private interface IHeapOrder
    {
        static abstract bool Before(in RankedBar a, in RankedBar b);
    }

    private struct LowestFirst : IHeapOrder
    {
        public static bool Before(in RankedBar a, in RankedBar b) => Above(in b, in a);
    }

    private struct BestFirst : IHeapOrder
    {
        public static bool Before(in RankedBar a, in RankedBar b) => Above(in a, in b);
    }

    private void PushTop(RankedBar x) => Push<LowestFirst>(_topHeap, ref _topCount, x);

    private void ReplaceTopRoot(RankedBar x) => ReplaceRoot<LowestFirst>(_topHeap, _topCount, x);

    private void PushRest(RankedBar x) => Push<BestFirst>(_restHeap, ref _restCount, x);

    private void ReplaceRestRoot(RankedBar x) => ReplaceRoot<BestFirst>(_restHeap, _restCount, x);

    private static void Push<TOrder>(RankedBar[] heap, ref int count, RankedBar x) where TOrder : struct, IHeapOrder
    {
        int i = count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!TOrder.Before(in x, in heap[parent])) break;
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = x;
    }

    // Puts x in the root's place and sifts it down (the root leaves the heap).
    private static void ReplaceRoot<TOrder>(RankedBar[] heap, int count, RankedBar x) where TOrder : struct, IHeapOrder
    {
        int i = 0;
        while (true)
        {
            int c = 2 * i + 1;
            if (c >= count) break;
            if (c + 1 < count && TOrder.Before(in heap[c + 1], in heap[c])) c++; // the child nearer the root's end
            if (!TOrder.Before(in heap[c], in x)) break;
            heap[i] = heap[c];
            i = c;
        }
        heap[i] = x;
    }

    private void SetTop(int bar) => _topBars[bar >> 6] |= 1UL << (bar & 63);

    private void ClearTop(int bar) => _topBars[bar >> 6] &= ~(1UL << (bar & 63));

    /// <summary>
    /// Factor 13: Π(1 + r) − 1 over the ⌈0.3·T⌉ traded bars with the largest average trade size
    /// (ties: earlier bar first), multiplied in ascending bar order.
    /// </summary>
    public double BigTradeSizeReturn()
    {
        if (!_topProductValid)
        {
            _topProduct = AscendingProduct(_topBars);
            _topProductValid = true;
        }
        return _topProduct - 1;
    }

    // Π(1 + r) over the bars of `set` (bit b: bar b), multiplied in ascending bar order.
    private double AscendingProduct(ulong[] set)
    {
        double p = 1;
        for (int w = 0; w < TopWords; w++)
            for (ulong bits = set[w]; bits != 0; bits &= bits - 1)
                p *= 1 + _ret[(w << 6) + BitOperations.TrailingZeroCount(bits)];
        return p;
    }

    /// <summary>Factor 13 recomputed from the ranking of every traded bar, sorted afresh (tests: the reference for the kept top set and product).</summary>
    internal double BigTradeSizeReturnFromScratch()
    {
        var sorted = SortedBars();
        int top = (3 * sorted.Length + 9) / 10;
        var inTop = new ulong[TopWords];
        for (int i = 0; i < top; i++) { int b = sorted[i].Bar; inTop[b >> 6] |= 1UL << (b & 63); }
        return AscendingProduct(inTop) - 1;
    }

    /// <summary>Every traded bar folded with its kept average trade size, in ranking order (tests).</summary>
    internal (int Bar, double Average)[] SortedBars()
    {
        SettleRanking();
        var all = new List<RankedBar>(_topCount + _restCount);
        all.AddRange(_topHeap.AsSpan(0, _topCount));
        all.AddRange(_restHeap.AsSpan(0, _restCount));
        all.Sort((a, b) => Above(in a, in b) ? -1 : Above(in b, in a) ? 1 : 0);
        return [.. all.Select(r => (r.Bar, r.Average))];
    }

    /// <summary>The bars of the kept top set, ascending (tests: against the first ⌈3T/10⌉ of a fresh sort).</summary>
    internal int[] TopSetBars()
    {
        var bars = new List<int>();
        for (int w = 0; w < TopWords; w++)
            for (ulong bits = _topBars[w]; bits != 0; bits &= bits - 1)
                bars.Add((w << 6) + BitOperations.TrailingZeroCount(bits));
        return [.. bars];
    }
}
