using System.Runtime.CompilerServices;
using Sig.Factors.Compute;

namespace Sig.Factors.Cpu;

// A minute's evaluation shared with the other shards' threads (EvaluationHelpBoard): the symbols in
// fixed chunks, this shard's thread taking them from the front and an idle shard's from the back.
public sealed partial class CpuShardState : IChunkedEvaluation
{
    /// <summary>Symbols in one shared chunk: ≈ 0.1 ms of a steady step, so a helper off its CPU in mid-chunk holds the owner little, and the evaluation's hints ramp up once per 128 symbols.</summary>
    internal const int SharedChunkSymbols = 128;

    private EvaluationHelpBoard? _board;
    private int _boardSlot;
    // The evaluation in progress, for the chunks (set before the post, which publishes them).
    private int _sharedMinute, _sharedCount, _sharedLength;
    private unsafe double* _sharedRows;

    public void ShareEvaluation(EvaluationHelpBoard board, int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, board.Slots);
        (_board, _boardSlot) = (board, slot);
    }

    // Shared only where every symbol is evaluated in place, the day is big enough to cut, and no
    // thread-pool parallelism splits it already.
    private bool SharesEvaluation(int n) => _board is not null && _parallelism == 1 && _closed is null && n >= 2 * SharedChunkSymbols;

    // AggressiveOptimization: see EvaluateRange (its loop is never tier-0 code replaced on the stack inside a step).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void EvaluateShared(int n, int minute, Span<double> rows)
    {
        // A copy's first evaluation (a restore) makes its folds here: a helper never takes a spare.
        for (int i = 0; i < n; i++) _folds[i] ??= NewFold();
        fixed (double* pinned = rows)
        {
            (_sharedMinute, _sharedCount, _sharedLength) = (minute, n, rows.Length);
            _sharedRows = pinned;
            try { _board!.Run(_boardSlot, this, (n + SharedChunkSymbols - 1) / SharedChunkSymbols); }
            finally { _sharedRows = null; }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    unsafe void IChunkedEvaluation.RunChunk(int chunk)
    {
        int from = chunk * SharedChunkSymbols;
        EvaluateRange(from, Math.Min(_sharedCount, from + SharedChunkSymbols), _sharedMinute, new Span<double>(_sharedRows, _sharedLength));
    }
}
