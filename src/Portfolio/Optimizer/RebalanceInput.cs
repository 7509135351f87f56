namespace Sig.Portfolio.Optimizer;

/// <summary>
/// Everything the enhancement LP needs on one rebalance date, as parallel arrays over one
/// symbol list (struct-of-arrays). Index i is the same stock in every array.
/// </summary>
public sealed class RebalanceInput
{
    /// <summary>The rebalance date T (the LP runs at T's close).</summary>
    public required DateOnly Date { get; init; }
    public required string[] Symbols { get; init; }
    /// <summary>Score per stock; NaN is read as 0 (no view).</summary>
    public required double[] Alpha { get; init; }
    /// <summary>Benchmark weight b_i (0 for non-constituents).</summary>
    public required double[] BenchmarkWeight { get; init; }
    /// <summary>Industry index per stock into <see cref="IndustryNames"/>.</summary>
    public required int[] Industry { get; init; }
    public required string[] IndustryNames { get; init; }
    /// <summary>Size exposure s_i (standardized ln total cap).</summary>
    public required double[] SizeExposure { get; init; }
    /// <summary>In the tradable universe of T (not ST, listed long enough, not suspended on T).</summary>
    public required bool[] Tradable { get; init; }
    /// <summary>Holdings w⁰ after drift; null on the first rebalance (no turnover cap then).</summary>
    public double[]? Held { get; init; }

    public int Count => Symbols.Length;

    /// <summary>Checks shapes and values; throws <see cref="ArgumentException"/> naming the first bad entry.</summary>
    public void Validate()
    {
        int n = Symbols.Length;
        void Len<T>(T[]? a, string name)
        {
            if (a is not null && a.Length != n) throw new ArgumentException($"rebalance {Date:yyyy-MM-dd}: {name} has {a.Length} entries for {n} symbols");
        }
        Len(Alpha, nameof(Alpha));
        Len(BenchmarkWeight, nameof(BenchmarkWeight));
        Len(Industry, nameof(Industry));
        Len(SizeExposure, nameof(SizeExposure));
        Len(Tradable, nameof(Tradable));
        Len(Held, nameof(Held));
        for (int i = 0; i < n; i++)
        {
            if (!(BenchmarkWeight[i] >= 0 && BenchmarkWeight[i] <= 1))
                throw new ArgumentException($"rebalance {Date:yyyy-MM-dd}: {Symbols[i]}: benchmark weight {BenchmarkWeight[i]} outside [0,1]");
            if ((uint)Industry[i] >= (uint)IndustryNames.Length)
                throw new ArgumentException($"rebalance {Date:yyyy-MM-dd}: {Symbols[i]}: industry index {Industry[i]} outside 0..{IndustryNames.Length - 1}");
            if (!double.IsFinite(SizeExposure[i]))
                throw new ArgumentException($"rebalance {Date:yyyy-MM-dd}: {Symbols[i]}: size exposure is {SizeExposure[i]}");
            if (Held is not null && !(Held[i] >= 0 && double.IsFinite(Held[i])))
                throw new ArgumentException($"rebalance {Date:yyyy-MM-dd}: {Symbols[i]}: held weight {Held[i]} is negative or not finite");
        }
    }
}
