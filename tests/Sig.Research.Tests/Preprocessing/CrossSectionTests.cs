using Sig.Research.Preprocessing;
using Xunit;

namespace Sig.Research.Tests.Preprocessing;

public class CrossSectionTests
{
    [Fact]
    public void Rolling_mean_needs_ten_values_among_the_last_twenty()
    {
        var h = Enumerable.Range(1, 25).Select(i => (double)i).ToArray();
        Assert.Equal(Enumerable.Range(6, 20).Average(), CrossSection.RollingMean(h), 12);
        for (int i = 0; i < 11; i++) h[5 + i] = double.NaN; // 9 left in the window
        Assert.True(double.IsNaN(CrossSection.RollingMean(h)));
        h[10] = 7; // 10 now
        Assert.Equal(new[] { 7.0, 17, 18, 19, 20, 21, 22, 23, 24, 25 }.Average(), CrossSection.RollingMean(h), 12);
    }

    [Fact]
    public void Winsorize_clips_at_five_mads_and_leaves_edge_cases_alone()
    {
        double[] x = [1, 2, 3, 4, 100, double.NaN];
        CrossSection.Winsorize(x); // med 3, MAD 1
        Assert.Equal([1, 2, 3, 4, 8, double.NaN], x);
        double[] even = [1, 2, 3, 4, 5, 200]; // med 3.5, |dev| 2.5 1.5 .5 .5 1.5 196.5 → MAD 1.5
        CrossSection.Winsorize(even);
        Assert.Equal(3.5 + 7.5, even[5], 12);
        Assert.Equal(3.5, CrossSection.Median([1, 2, 5, 6, double.NaN]));
        double[] equal = [2, 2, 2, 50];
        CrossSection.Winsorize(equal); // MAD = 0: no clipping
        Assert.Equal([2, 2, 2, 50], equal);
        double[] two = [1, 9];
        CrossSection.Winsorize(two);
        Assert.Equal([1, 9], two);
        double[] none = [double.NaN, double.NaN];
        CrossSection.Winsorize(none);
        Assert.All(none, v => Assert.True(double.IsNaN(v)));
    }

    [Fact]
    public void Standardize_uses_population_std_and_keeps_nan()
    {
        double[] x = [1, 3, double.NaN];
        CrossSection.Standardize(x);
        Assert.Equal([-1, 1], x[..2]);
        Assert.True(double.IsNaN(x[2]));
        double[] same = [4, 4, 4];
        CrossSection.Standardize(same);
        Assert.Equal([0, 0, 0], same);
        double[] fill = [double.NaN, 1];
        CrossSection.Fill(fill);
        Assert.Equal([0, 1], fill);
    }

    [Fact]
    public void Neutralized_residuals_are_orthogonal_to_industries_and_ln_cap_on_random_panels()
    {
        var rng = new Random(17);
        for (int trial = 0; trial < 50; trial++)
        {
            int n = rng.Next(20, 200), k = rng.Next(1, 8);
            var industry = Enumerable.Range(0, n).Select(_ => rng.Next(-1, k)).ToArray();
            var cap = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.05 ? double.NaN : Math.Exp(20 + 3 * rng.NextDouble())).ToArray();
            var x = Enumerable.Range(0, n).Select(i => rng.NextDouble() < 0.1 ? double.NaN : industry[i] * 0.3 + Math.Log(double.IsNaN(cap[i]) ? 1 : cap[i]) * 0.2 + rng.NextDouble()).ToArray();
            var before = (double[])x.Clone();
            CrossSection.Neutralize(x, industry, cap);
            for (int i = 0; i < n; i++)
                if (double.IsNaN(before[i]) || industry[i] < 0 || double.IsNaN(cap[i])) Assert.True(double.IsNaN(x[i]));
                else Assert.False(double.IsNaN(x[i]));
            var fit = Enumerable.Range(0, n).Where(i => !double.IsNaN(x[i])).ToArray();
            double scale = fit.Length == 0 ? 1 : fit.Max(i => Math.Abs(before[i])) * fit.Length;
            for (int g = 0; g < k; g++) Assert.True(Math.Abs(fit.Where(i => industry[i] == g).Sum(i => x[i])) < 1e-9 * scale);
            Assert.True(Math.Abs(fit.Sum(i => x[i] * Math.Log(cap[i]))) < 1e-9 * scale * 25);
        }
    }

    [Fact]
    public void Neutralizing_with_shared_designs_matches_each_factor_alone_bit_for_bit()
    {
        var rng = new Random(29);
        int n = 300, k = 6;
        var industry = Enumerable.Range(0, n).Select(_ => rng.Next(-1, k)).ToArray();
        var cap = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.03 ? double.NaN : Math.Exp(20 + 3 * rng.NextDouble())).ToArray();
        var gapsA = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.1).ToArray();
        var gapsB = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.1).ToArray();
        var designs = new NeutralizationDesigns();
        // Factors alternate between two missing-value patterns, so the shared designs must tell the row sets apart.
        for (int f = 0; f < 8; f++)
        {
            var gaps = f % 2 == 0 ? gapsA : gapsB;
            var x = Enumerable.Range(0, n).Select(i => gaps[i] ? double.NaN : industry[i] * 0.1 * f + rng.NextDouble()).ToArray();
            var alone = (double[])x.Clone();
            CrossSection.Neutralize(alone, industry, cap);
            CrossSection.Neutralize(x, industry, cap, designs);
            Assert.Equal(alone, x);
        }
        var qr = new QrDecomposition(new double[,] { { 1, 0 }, { 1, 1 }, { 1, 2 } });
        Assert.Equal(0, qr.Residuals([1, 3, 5]).Max(Math.Abs), 12); // 1 + 2t fits exactly
        var r = qr.Residuals([0, 0, 1]); // hand-worked: fit −1/6 + t/2
        double[] expected = [1.0 / 6, -2.0 / 6, 1.0 / 6];
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], r[i], 12);
    }

    [Fact]
    public void Least_squares_stays_accurate_on_a_near_collinear_design_and_drops_an_exact_duplicate()
    {
        var rng = new Random(3);
        int n = 100;
        var a = new double[n, 3];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double t = rng.NextDouble();
            a[i, 0] = 1; a[i, 1] = t; a[i, 2] = t + 1e-7 * rng.NextDouble();
            y[i] = 1 + 2 * t + 0.01 * rng.NextDouble();
        }
        var r = LeastSquares.Residuals(a, y);
        for (int j = 0; j < 3; j++)
        {
            double dot = 0;
            for (int i = 0; i < n; i++) dot += a[i, j] * r[i];
            Assert.True(Math.Abs(dot) < 1e-10, $"column {j}: Aᵀr = {dot}");
        }
        // The residual is at most the noise (a perfect fit of 1 + 2t is in the span).
        Assert.True(r.Max(Math.Abs) < 0.01);

        var dup = new double[n, 2];
        var single = new double[n, 1];
        for (int i = 0; i < n; i++) { dup[i, 0] = dup[i, 1] = single[i, 0] = a[i, 1]; }
        var rd = LeastSquares.Residuals(dup, y);
        var rs = LeastSquares.Residuals(single, y);
        for (int i = 0; i < n; i++) Assert.Equal(rs[i], rd[i], 10);
    }
}
