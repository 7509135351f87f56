using Sig.Models.Nn;

namespace Sig.Models.Training;

/// <summary>
/// AlphaNet-v2.1's custom dropout: each seed draws, once, n of the F features whose pairs feed
/// ts_corr/ts_cov; and the coverage simulation of how many of all C(F,2) pairs an ensemble sees.
/// </summary>
public static class PairSampler
{
    /// <summary>The pair features of the model trained with <paramref name="seed"/> (ascending).</summary>
    public static int[] Draw(ulong seed, int features, int n) => new SeededRandom(seed ^ 0x5041495253UL).Subset(features, n);

    /// <summary>
    /// Mean share of the C(F,2) pairs covered by at least one of <paramref name="models"/> independent
    /// draws of n features, over <paramref name="trials"/> simulations.
    /// </summary>
    public static double CoverageShare(int features, int models, int n, int trials, ulong seed)
    {
        if (features < 2 || n < 2 || n > features || models < 1 || trials < 1) throw new ArgumentException("coverage needs 2 ≤ n ≤ F, ≥ 1 model and ≥ 1 trial");
        var rng = new SeededRandom(seed);
        var covered = new bool[features * features];
        int total = features * (features - 1) / 2;
        long sum = 0;
        for (int trial = 0; trial < trials; trial++)
        {
            Array.Clear(covered);
            int count = 0;
            for (int m = 0; m < models; m++)
            {
                var pick = rng.Subset(features, n);
                for (int a = 0; a < n; a++)
                    for (int b = a + 1; b < n; b++)
                    {
                        int k = pick[a] * features + pick[b];
                        if (!covered[k]) { covered[k] = true; count++; }
                    }
            }
            sum += count;
        }
        return (double)sum / ((long)trials * total);
    }

    /// <summary>The exact expectation 1 − (1 − n(n−1)/(F(F−1)))^models.</summary>
    public static double ExpectedCoverage(int features, int models, int n) =>
        1 - Math.Pow(1 - n * (n - 1.0) / (features * (features - 1.0)), models);
}
