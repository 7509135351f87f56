namespace Sig.Models.Nn;

/// <summary>
/// How many threads the layers may use. Work is split into blocks of a fixed number of samples
/// (independent of the thread count) and partial sums are added in block order, so results are
/// bit-identical for any thread count.
/// </summary>
public static class Compute
{
    /// <summary>Samples per work block; fixed so the reduction order never depends on the thread count.</summary>
    public const int BlockSize = 64;

    private static int _threads = 1;

    /// <summary>Threads used by the layers (default 1).</summary>
    public static int Threads
    {
        get => _threads;
        set => _threads = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "threads must be ≥ 1");
    }

    /// <summary>Number of fixed-size blocks covering <paramref name="n"/> samples.</summary>
    public static int Blocks(int n) => (n + BlockSize - 1) / BlockSize;

    /// <summary>Runs <paramref name="body"/>(block) for every block, on up to <see cref="Threads"/> threads.</summary>
    public static void ForBlocks(int n, Action<int> body)
    {
        int blocks = Blocks(n);
        if (_threads == 1 || blocks == 1)
        {
            for (int b = 0; b < blocks; b++) body(b);
            return;
        }
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = _threads }, body);
    }
}
