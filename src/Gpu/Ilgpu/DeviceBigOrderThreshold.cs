namespace Sig.Gpu.Ilgpu;

/// <summary>
/// The device twin of BigOrderThreshold (the exact big-order rule of docs/factors.md): the same
/// decisions from the same integer moments, with 128-bit arithmetic in <see cref="DeviceInt128"/>
/// and the overflow fallbacks where Int128's checked operators would throw.
/// </summary>
public readonly struct DeviceBigOrderThreshold
{
    private const double TieBand = 1e-12;
    private readonly int _n;
    private readonly DeviceInt128 _sum, _d;
    private readonly double _k, _theta;
    private readonly long _floor;
    private readonly bool _integralK;

    public DeviceBigOrderThreshold(int n, DeviceInt128 sum, DeviceInt128 squareSum, double k, long floorTicks)
    {
        _n = n; _sum = sum; _k = k; _floor = floorTicks;
        _integralK = k == Math.Floor(k) && Math.Abs(k) < 1e6;
        _d = n >= 3 ? Dispersion(n, sum, squareSum) : default;
        _theta = n > 0 ? (sum.ToDouble() + k * Math.Sqrt(_d.ToDouble())) / n : double.PositiveInfinity;
    }

    // n·Σs² − (Σs)²; beyond 128 bits fall back to doubles, as the CPU does.
    private static DeviceInt128 Dispersion(int n, DeviceInt128 sum, DeviceInt128 squareSum)
    {
        var a = DeviceInt128.MultiplyChecked(DeviceInt128.FromLong(n), squareSum, out bool o1);
        var b = DeviceInt128.MultiplyChecked(sum, sum, out bool o2);
        var d = DeviceInt128.SubtractChecked(a, b, out bool o3);
        if (!o1 && !o2 && !o3) return d;
        double x = (double)n * squareSum.ToDouble() - sum.ToDouble() * sum.ToDouble();
        return x <= 0 ? DeviceInt128.FromLong(1) : DeviceInt128.FromNonNegativeDouble(x);
    }

    public bool NoneBig => _n < 3;

    public bool IsBig(long size)
    {
        if (_n < 3 || size < _floor) return false;
        if (_d.IsZero) return true;
        double s = size;
        if (s > _theta * (1 + TieBand)) return true;
        if (s < _theta * (1 - TieBand)) return false;
        return ExactAtLeastTheta(size);
    }

    private bool ExactAtLeastTheta(long size)
    {
        var x = DeviceInt128.Subtract(DeviceInt128.Multiply(_n, size), _sum);
        if (_k == 0) return !x.IsNegative;
        if (!_integralK) return x.ToDouble() >= _k * Math.Sqrt(_d.ToDouble());
        var k = DeviceInt128.FromLong((long)_k);
        // x ≥ k√D with k > 0 needs x ≥ 0 and x² ≥ k²D; with k < 0 it holds for x ≥ 0, else needs x² ≤ k²D.
        var lhs = DeviceInt128.MultiplyChecked(x, x, out bool o1);
        var kk = DeviceInt128.MultiplyChecked(k, k, out bool o2);
        var rhs = DeviceInt128.MultiplyChecked(kk, _d, out bool o3);
        if (o1 || o2 || o3) return x.ToDouble() >= _k * Math.Sqrt(_d.ToDouble());
        return !k.IsNegative && !k.IsZero
            ? !x.IsNegative && !DeviceInt128.LessThan(lhs, rhs)
            : !x.IsNegative || !DeviceInt128.LessThan(rhs, lhs);
    }
}
