using Sig.Factors.Intraday;

namespace Sig.Factors.Cpu;

// Recycling the state objects that only a dropped snapshot held (see Copy and Recycle).
public sealed partial class CpuShardState
{
    // Recycled state objects: per symbol the one its own state left (its book's directories are
    // sized for that symbol), and the rest for any symbol.
    private SymbolDayState?[] _recycledFor = [];
    private readonly Stack<SymbolDayState> _recycled = new();
    // Per symbol, a state object recycled at the latest copy whose unshared bar chunk is still to be
    // picked (MinuteBarSeries.KeepUnsharedChunk against this state's series and those of
    // _unchunkedAgainst, the copy that was the latest one then). Done at the symbol's first clone
    // after the copy, or for all left at the next copy or day start: until one of those, neither
    // this state's object of the symbol nor that copy's changes, so the chunk picked is the one the
    // copy would have picked, and the copy's minute step does not read every symbol's bars.
    private SymbolDayState?[] _unchunked = [];
    private CpuShardState? _unchunkedAgainst;

    // A recycled state object for symbol i: the one symbol i's state left, else any. Only Apply and
    // BeginDay take them (one thread: the evaluation, which may run on several, never clones).
    private SymbolDayState? TakeRecycled(int i)
    {
        KeepUnsharedChunk(i);
        var reuse = _recycledFor[i];
        if (reuse is not null) _recycledFor[i] = null;
        else _recycled.TryPop(out reuse);
        if (reuse is not null)
        {
            ReusedStates++;
            if (reuse.Bars.HasSpareChunk) ReusedSpareChunks++;
        }
        return reuse;
    }

    /// <summary>Recycled state objects taken by clones and day starts so far (tests).</summary>
    internal long ReusedStates { get; private set; }

    /// <summary>Of <see cref="ReusedStates"/>, those that brought a bar chunk for the clone's next write (tests).</summary>
    internal long ReusedSpareChunks { get; private set; }

    // Before `old` (a copy nothing reads any more) is overwritten: a state object this state made
    // in the period that `old` closed is held by `old`, perhaps by the copy after it (the latest)
    // and by this state — by nothing older, as it did not exist then, and by no other state unless
    // `old` was copied itself (a restore: then nothing is recycled). One held by neither of the
    // latter two is `old`'s alone: it serves the next clone instead of new objects and arrays —
    // its bar series and moments, its book and id index with their directories (each book's own, never
    // shared), and one bar chunk it made that no later state of its symbol shares: such a chunk
    // can only have passed to the state that replaced it (the latest copy's) and on to this
    // state's, so one that neither holds is `old`'s alone too. Which objects qualify is decided
    // here from the arrays alone; the chunk is kept later (KeepUnsharedChunk), as the series are read.
    private void Recycle(CpuShardState old)
    {
        if (old._source != this || old._lent || _latestCopy is not { } latest || latest == old || old._serial != latest._serial - 1) return;
        int n = Math.Min(old.SymbolCount, Math.Min(latest.SymbolCount, SymbolCount));
        for (int i = 0; i < n; i++)
        {
            var s = old._states[i];
            if (old._madeAt[i] != old._serial - 1 || s == latest._states[i] || s == _states[i]) continue;
            if (_recycledFor[i] is { } earlier) _recycled.Push(earlier);
            _recycledFor[i] = s;
            _unchunked[i] = s;
        }
        _unchunkedAgainst = latest;
    }

    // Keeps the unshared bar chunk of symbol i's recycled object, if still to be done (see _unchunked).
    private void KeepUnsharedChunk(int i)
    {
        if (_unchunked[i] is not { } s) return;
        _unchunked[i] = null;
        s.Bars.KeepUnsharedChunk(_unchunkedAgainst!._states[i].Bars, _states[i].Bars);
    }

    // Keeps every chunk still to be kept: before this state's objects or the copy they are kept against
    // change (tests call it right after a copy for the reference: every chunk kept at the copy).
    internal void FinishRecycling()
    {
        if (_unchunkedAgainst is null) return;
        for (int i = 0; i < _unchunked.Length; i++) KeepUnsharedChunk(i);
        _unchunkedAgainst = null;
    }

    // A copy starts with nothing recycled (it is given the arrays of an earlier copy).
    private void ForgetRecycled(int n)
    {
        _recycled.Clear();
        if (_recycledFor.Length == n) Array.Clear(_recycledFor);
        else _recycledFor = new SymbolDayState?[n];
        if (_unchunked.Length == n) Array.Clear(_unchunked);
        else _unchunked = new SymbolDayState?[n];
        _unchunkedAgainst = null;
    }
}
