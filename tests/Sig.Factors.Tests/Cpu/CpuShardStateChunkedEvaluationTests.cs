using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors.Compute;
using Sig.Factors.Cpu;
using Xunit;
using static Sig.Factors.Tests.Cpu.FactorTestKit;

namespace Sig.Factors.Tests.Cpu;

/// <summary>
/// A shard state whose minute evaluation other threads help with (<see cref="EvaluationHelpBoard"/>):
/// with a helper taking chunks all day, every minute's rows equal, bit for bit, those of a twin
/// evaluated alone, and so do those of a copy restored mid-day (its folds made before the post).
/// </summary>
public class CpuShardStateChunkedEvaluationTests
{
    private const int W = FactorCatalog.Count;

    [Theory]
    [InlineData(1, BigOrderSizing.Filled)]
    [InlineData(2, BigOrderSizing.Submitted)]
    public void Rows_evaluated_with_a_helper_equal_those_of_a_state_evaluated_alone(int seed, BigOrderSizing sizing)
    {
        int n = 3 * CpuShardState.SharedChunkSymbols + 17;
        var symbols = Enumerable.Range(0, n).Select(i => SymbolCode.FromParts(1 + i, "SZ")).ToArray();
        var days = new List<TickEvent>[n];
        for (int i = 0; i < n; i++)
        {
            int s = seed * 10_000 + i;
            var day = i % 3 == 0 ? RandomDay.Make(s, 300, orderPool: 150) : RandomDay.Make(s, 80, sparse: i % 3 == 1);
            days[i] = day.Select(e => { e.Symbol = symbols[i].Value; return e; }).ToList();
        }
        var board = new EvaluationHelpBoard(2);
        using var backend = new CpuComputeBackend(1);
        var state = backend.CreateShard(Default, sizing);
        state.ShareEvaluation(board, 0);
        var alone = backend.CreateShard(Default, sizing);
        state.BeginDay(symbols);
        alone.BeginDay(symbols);
        var rows = Enumerable.Repeat(double.NaN, n * W).ToArray();
        var aloneRows = (double[])rows.Clone();
        var changed = new int[n];
        var aloneChanged = new int[n];

        using var stop = new CancellationTokenSource();
        // The other shard's thread, its own step long over: it takes whatever is posted.
        var helper = new Thread(() =>
        {
            while (!stop.IsCancellationRequested) if (board.Help(1) == 0) Thread.SpinWait(10);
        }) { IsBackground = true };
        helper.Start();
        IShardFactorState? restored = null;
        double[]? restoredRows = null;
        for (int m = 1; m <= 240; m++)
        {
            FeedBar(state, days, m);
            FeedBar(alone, days, m);
            if (restored is not null) FeedBar(restored, days, m);
            int count = state.Evaluate(m, rows, changed);
            int aloneCount = alone.Evaluate(m, aloneRows, aloneChanged);
            AssertBitIdentical(aloneRows, rows, $"minute {m}");
            Assert.Equal(aloneChanged.AsSpan(0, aloneCount).ToArray(), changed.AsSpan(0, count).ToArray());
            if (restored is not null)
            {
                restored.Evaluate(m, restoredRows, changed);
                AssertBitIdentical(aloneRows, restoredRows!, $"minute {m}, restored at 120");
            }
            if (m == 120)
            {
                // A restore: the copy keeps the board, and its first evaluation folds every symbol from bar 1.
                restored = state.Copy();
                restoredRows = (double[])rows.Clone();
            }
        }
        stop.Cancel();
        helper.Join();
        Assert.Equal((240 + 120) * 4, board.ChunksPosted); // 4 chunks a minute: the state's 240 minutes and the copy's 120
        Assert.True(board.ChunksHelped > 0, "the helper never ran a chunk");
    }

    [Fact]
    public void A_small_shard_is_not_posted()
    {
        var board = new EvaluationHelpBoard(2);
        using var backend = new CpuComputeBackend(1);
        var state = backend.CreateShard(Default, BigOrderSizing.Filled);
        state.ShareEvaluation(board, 0);
        int n = 2 * CpuShardState.SharedChunkSymbols - 1;
        state.BeginDay(Enumerable.Range(0, n).Select(i => SymbolCode.FromParts(1 + i, "SH")).ToArray());
        state.Evaluate(1, Enumerable.Repeat(double.NaN, n * W).ToArray(), new int[n]);
        Assert.Equal(0, board.ChunksPosted);
    }
}
