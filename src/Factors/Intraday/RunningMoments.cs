using System.Runtime.CompilerServices;

namespace Sig.Factors.Intraday;

/// <summary>
/// Streaming central moments up to the 4th (Pébay's one-pass update, the numerically stable
/// generalisation of Welford), plus exact min/max so "zero variance" is tested as max == min,
/// never by comparing a computed variance with a tolerance (docs/factors.md).
/// </summary>
public struct RunningMoments
{
    public long N;
    public double Mean, M2, M3, M4;
    public double Min, Max;

    // Inlined into the per-order stream update and the bar fold: the call and the struct's
    // round trip through memory cost as much as the arithmetic (which stays as written).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(double x)
    {
        long n1 = N;
        N++;
        double n = N;
        double delta = x - Mean;
        double deltaN = delta / n;
        double deltaN2 = deltaN * deltaN;
        double term1 = delta * deltaN * n1;
        Mean += deltaN;
        M4 += term1 * deltaN2 * (n * n - 3 * n + 3) + 6 * deltaN2 * M2 - 4 * deltaN * M3;
        M3 += term1 * deltaN * (n - 2) - 3 * deltaN * M2;
        M2 += term1;
        if (n1 == 0) { Min = Max = x; }
        else { if (x < Min) Min = x; if (x > Max) Max = x; }
    }

    private readonly bool Degenerate => N < 3 || Min == Max;

    /// <summary>Population skewness; NaN for n &lt; 3 or a constant set.</summary>
    public readonly double Skew => Degenerate ? double.NaN : M3 / N / Math.Pow(M2 / N, 1.5);

    /// <summary>Population excess kurtosis; NaN for n &lt; 3 or a constant set.</summary>
    public readonly double Kurt => Degenerate ? double.NaN : M4 / N / (M2 / N * (M2 / N)) - 3.0;
}

/// <summary>Streaming co-moments of (x, y) for a population Pearson correlation (Welford form).</summary>
public struct RunningCoMoments
{
    public long N;
    public double MeanX, MeanY, M2X, M2Y, Cxy;
    public double MinX, MaxX, MinY, MaxY;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(double x, double y)
    {
        N++;
        double dx = x - MeanX;
        MeanX += dx / N;
        double dy = y - MeanY;
        MeanY += dy / N;
        M2X += dx * (x - MeanX);
        M2Y += dy * (y - MeanY);
        Cxy += dx * (y - MeanY);
        if (N == 1) { MinX = MaxX = x; MinY = MaxY = y; }
        else
        {
            if (x < MinX) MinX = x; if (x > MaxX) MaxX = x;
            if (y < MinY) MinY = y; if (y > MaxY) MaxY = y;
        }
    }

    /// <summary>Pearson correlation; NaN for n &lt; 3 or when either series is constant.</summary>
    public readonly double Corr =>
        N < 3 || MinX == MaxX || MinY == MaxY ? double.NaN : Cxy / Math.Sqrt(M2X * M2Y);
}

/// <summary>
/// Co-moments of integer pairs (prices in ticks, volumes, counts) in exact 128-bit sums: the
/// Pearson correlation's numerator and variances are exact integers (n·Σxy − ΣxΣy, …), rounded
/// once when read, so the value does not depend on the order pairs were added in. Exact for
/// |x|, |y| &lt; 2⁴⁸ and n &lt; 2¹⁶.
/// </summary>
public struct ExactCoMoments
{
    public long N;
    public Int128 Sx, Sy, Sxx, Syy, Sxy;
    public long MinX, MaxX, MinY, MaxY;

    public void Add(long x, long y)
    {
        if (N == 0) { MinX = MaxX = x; MinY = MaxY = y; }
        else
        {
            if (x < MinX) MinX = x; if (x > MaxX) MaxX = x;
            if (y < MinY) MinY = y; if (y > MaxY) MaxY = y;
        }
        N++;
        Sx += x; Sy += y;
        Sxx += (Int128)x * x; Syy += (Int128)y * y; Sxy += (Int128)x * y;
    }

    /// <summary>Pearson correlation; NaN for n &lt; 3 or when either series is constant.</summary>
    public readonly double Corr
    {
        get
        {
            if (N < 3 || MinX == MaxX || MinY == MaxY) return double.NaN;
            Int128 cov = N * Sxy - Sx * Sy, vx = N * Sxx - Sx * Sx, vy = N * Syy - Sy * Sy;
            return (double)cov / Math.Sqrt((double)vx * (double)vy);
        }
    }
}
