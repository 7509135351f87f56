namespace Sig.Factors.Intraday;

/// <summary>
/// The big-order rule of docs/factors.md evaluated exactly from integer moments: an order is big iff
/// its size s ≥ θ = μ + k·σ (population σ over all orders, buy and sell together) and s reaches
/// the absolute floor; with fewer than 3 orders none is big; if all sizes are equal every order
/// is big. With n·s − Σs = x and D = nΣs² − (Σs)² (exact, and D = 0 exactly when all sizes are
/// equal), s ≥ θ ⇔ x ≥ k·√D, decided in integers for integral k and in doubles only away from a tie.
/// </summary>
public readonly struct BigOrderThreshold
{
    private const double TieBand = 1e-12;
    private readonly int _n;
    private readonly Int128 _sum, _d;
    private readonly double _k, _theta;
    private readonly long _floor;
    private readonly bool _integralK;

    public BigOrderThreshold(int n, Int128 sum, Int128 squareSum, double k, long floorTicks)
    {
        _n = n; _sum = sum; _k = k; _floor = floorTicks;
        _integralK = k == Math.Floor(k) && Math.Abs(k) < 1e6;
        _d = n >= 3 ? Dispersion(n, sum, squareSum) : 0;
        _theta = n > 0 ? ((double)sum + k * Math.Sqrt((double)_d)) / n : double.PositiveInfinity;
    }

    // n·Σs² − (Σs)²; beyond 128 bits (far outside any real market) fall back to doubles, never throw.
    private static Int128 Dispersion(int n, Int128 sum, Int128 squareSum)
    {
        try
        {
            return checked(n * squareSum - sum * sum);
        }
        catch (OverflowException)
        {
            double d = (double)n * (double)squareSum - (double)sum * (double)sum;
            return d <= 0 ? Int128.One : (Int128)d;
        }
    }

    /// <summary>Fewer than 3 orders: none is big.</summary>
    public bool NoneBig => _n < 3;

    /// <summary>All sizes equal (exact): every order is big.</summary>
    public bool AllEqual => _n >= 3 && _d == 0;

    /// <summary>
    /// Sizes bracketing the decision: every size &lt; Low is not big and every size &gt; High is
    /// big (for n ≥ 3 and unequal sizes); sizes in [Low, High] need <see cref="IsBig"/>.
    /// </summary>
    public (long Low, long High) Bounds()
    {
        double a = _theta * (1 - TieBand), b = _theta * (1 + TieBand);
        double lo = Math.Min(a, b), hi = Math.Max(a, b);
        long low = Math.Max(_floor, ClampToLong(Math.Ceiling(lo)));
        long high = Math.Max(_floor - 1, ClampToLong(Math.Floor(hi)));
        return (low, high);
    }

    private static long ClampToLong(double x) => x >= 9.2e18 ? long.MaxValue : x <= -9.2e18 ? long.MinValue / 2 : (long)x;

    public bool IsBig(long size)
    {
        if (_n < 3 || size < _floor) return false;
        if (_d == 0) return true;
        double s = size;
        if (s > _theta * (1 + TieBand)) return true;
        if (s < _theta * (1 - TieBand)) return false;
        return ExactAtLeastTheta(size);
    }

    private bool ExactAtLeastTheta(long size)
    {
        Int128 x = (Int128)_n * size - _sum;
        if (_k == 0) return x >= 0;
        if (!_integralK)
            return (double)x >= _k * Math.Sqrt((double)_d);
        Int128 k = (Int128)(long)_k;
        // x ≥ k√D with k > 0 needs x ≥ 0 and x² ≥ k²D; with k < 0 it holds for x ≥ 0, else needs x² ≤ k²D.
        try
        {
            Int128 lhs = checked(x * x), rhs = checked(k * k * _d);
            return k > 0 ? x >= 0 && lhs >= rhs : x >= 0 || lhs <= rhs;
        }
        catch (OverflowException)
        {
            return (double)x >= _k * Math.Sqrt((double)_d);
        }
    }
}
