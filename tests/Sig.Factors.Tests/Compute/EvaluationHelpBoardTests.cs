using Sig.Factors.Compute;
using Xunit;

namespace Sig.Factors.Tests.Compute;

/// <summary>
/// The board that lets an idle shard run chunks of another's minute step: every chunk runs exactly
/// once, the owner from the front and helpers from the back, the owner returns only once every chunk
/// has ended, and a failure on either side ends the post without losing the board.
/// </summary>
public class EvaluationHelpBoardTests
{
    private sealed class Work(Action<int> run) : IChunkedEvaluation
    {
        public void RunChunk(int chunk) => run(chunk);
    }

    [Fact]
    public void The_owner_runs_from_the_front_and_a_helper_from_the_back()
    {
        var board = new EvaluationHelpBoard(2);
        var order = new List<(int Chunk, string By)>();
        bool helping = false;
        board.Run(0, new Work(c =>
        {
            order.Add((c, helping ? "helper" : "owner"));
            if (c != 0) return;
            // While the owner is in chunk 0, a helper (this thread, as slot 1) takes all it can.
            helping = true;
            Assert.Equal(4, board.Help(1));
            helping = false;
        }), 5);
        Assert.Equal([(0, "owner"), (4, "helper"), (3, "helper"), (2, "helper"), (1, "helper")], order);
        Assert.Equal(5, board.ChunksPosted);
        Assert.Equal(4, board.ChunksHelped);
        Assert.Equal(0, board.Help(1)); // the post is over: nothing left to claim
    }

    [Fact]
    public void A_helper_finds_nothing_in_its_own_slot_or_an_empty_board()
    {
        var board = new EvaluationHelpBoard(3);
        Assert.Equal(0, board.Help(0));
        int helped = -1;
        board.Run(1, new Work(c => { if (c == 0) helped = board.Help(1); }), 3);
        Assert.Equal(0, helped);
        Assert.Equal(0, board.ChunksHelped);
    }

    [Fact]
    public void Every_chunk_runs_once_and_has_ended_when_the_owner_returns()
    {
        const int Posts = 2000;
        var board = new EvaluationHelpBoard(3);
        var rng = new Random(11);
        using var stop = new CancellationTokenSource();
        var helpers = Enumerable.Range(1, 2).Select(slot => new Thread(() =>
        {
            while (!stop.IsCancellationRequested) if (board.Help(slot) == 0) Thread.SpinWait(20);
        }) { IsBackground = true }).ToArray();
        foreach (var h in helpers) h.Start();
        long total = 0;
        for (int p = 0; p < Posts; p++)
        {
            int chunks = rng.Next(0, 40);
            var runs = new int[chunks];
            var ended = new int[chunks];
            board.Run(0, new Work(c =>
            {
                Interlocked.Increment(ref runs[c]);
                Thread.SpinWait(200 + 50 * (c % 7));
                Volatile.Write(ref ended[c], 1);
            }), chunks);
            Assert.All(runs, r => Assert.Equal(1, r));
            Assert.All(ended, e => Assert.Equal(1, e));
            total += chunks;
        }
        stop.Cancel();
        foreach (var h in helpers) h.Join();
        Assert.Equal(total, board.ChunksPosted);
        Assert.True(board.ChunksHelped > 0, "no chunk was ever helped");
    }

    [Fact]
    public void A_helpers_failure_is_rethrown_by_the_owner_after_every_chunk_ended()
    {
        var board = new EvaluationHelpBoard(2);
        var ran = new List<int>();
        var e = Assert.Throws<InvalidOperationException>(() => board.Run(0, new Work(c =>
        {
            ran.Add(c);
            if (c == 0) Assert.Equal(3, board.Help(1)); // the helper runs 3, 2 (which throws) and 1, and goes on
            if (c == 2) throw new InvalidOperationException("chunk 2");
        }), 4));
        Assert.Equal("chunk 2", e.Message);
        Assert.Equal([0, 3, 2, 1], ran);
        // The board is whole: the next post runs every chunk.
        var next = new List<int>();
        board.Run(0, new Work(next.Add), 3);
        Assert.Equal([0, 1, 2], next);
    }

    [Fact]
    public void An_owners_failure_ends_the_post_and_leaves_nothing_to_claim()
    {
        var board = new EvaluationHelpBoard(2);
        var ran = new List<int>();
        Assert.Throws<InvalidOperationException>(() => board.Run(0, new Work(c =>
        {
            ran.Add(c);
            if (c == 1) throw new InvalidOperationException("owner");
        }), 6));
        Assert.Equal([0, 1], ran);
        Assert.Equal(0, board.Help(1));
        var next = new List<int>();
        board.Run(0, new Work(next.Add), 2);
        Assert.Equal([0, 1], next);
    }

    [Fact]
    public void Chunks_beyond_the_claims_word_are_refused()
    {
        var board = new EvaluationHelpBoard(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => board.Run(0, new Work(_ => { }), EvaluationHelpBoard.MaxChunks + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EvaluationHelpBoard(0));
    }
}
