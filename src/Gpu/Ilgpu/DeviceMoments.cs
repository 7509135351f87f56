using Sig.Factors.Intraday;
using static Sig.Gpu.Ilgpu.DeviceLayout;

namespace Sig.Gpu.Ilgpu;

/// <summary>
/// Loads and stores the CPU's moment structs (<see cref="RunningMoments"/>,
/// <see cref="RunningCoMoments"/>) from the struct-of-arrays slabs, so the kernels update them
/// with the very same <c>Add</c> and read them with the very same <c>Skew</c>/<c>Kurt</c>/<c>Corr</c>
/// code as the CPU backend. <see cref="ExactCoMoments"/> holds 128-bit sums, so its device twin
/// is written here in <see cref="DeviceInt128"/> with the CPU's operation order.
/// </summary>
public static class DeviceMoments
{
    public static RunningMoments LoadMoments(in ShardViews s, int d, int n, int i) => new()
    {
        N = s.L(n, i), Mean = s.D(d, i), M2 = s.D(d + 1, i), M3 = s.D(d + 2, i), M4 = s.D(d + 3, i), Min = s.D(d + 4, i), Max = s.D(d + 5, i),
    };

    public static void Store(in ShardViews s, int d, int n, int i, in RunningMoments m)
    {
        s.L(n, i) = m.N;
        s.D(d, i) = m.Mean; s.D(d + 1, i) = m.M2; s.D(d + 2, i) = m.M3; s.D(d + 3, i) = m.M4; s.D(d + 4, i) = m.Min; s.D(d + 5, i) = m.Max;
    }

    public static RunningCoMoments LoadCoMoments(in ShardViews s, int d, int n, int i) => new()
    {
        N = s.L(n, i), MeanX = s.D(d, i), MeanY = s.D(d + 1, i), M2X = s.D(d + 2, i), M2Y = s.D(d + 3, i), Cxy = s.D(d + 4, i),
        MinX = s.D(d + 5, i), MaxX = s.D(d + 6, i), MinY = s.D(d + 7, i), MaxY = s.D(d + 8, i),
    };

    public static void Store(in ShardViews s, int d, int n, int i, in RunningCoMoments m)
    {
        s.L(n, i) = m.N;
        s.D(d, i) = m.MeanX; s.D(d + 1, i) = m.MeanY; s.D(d + 2, i) = m.M2X; s.D(d + 3, i) = m.M2Y; s.D(d + 4, i) = m.Cxy;
        s.D(d + 5, i) = m.MinX; s.D(d + 6, i) = m.MaxX; s.D(d + 7, i) = m.MinY; s.D(d + 8, i) = m.MaxY;
    }

    public static void AddMoment(in ShardViews s, int d, int n, int i, double x)
    {
        var m = LoadMoments(s, d, n, i);
        m.Add(x);
        Store(s, d, n, i, m);
    }

    public static void AddCoMoment(in ShardViews s, int d, int n, int i, double x, double y)
    {
        var m = LoadCoMoments(s, d, n, i);
        m.Add(x, y);
        Store(s, d, n, i, m);
    }

    // Exact co-moments at L[f]: N, Sx, Sy, Sxx, Syy, Sxy (two words each), MinX, MaxX, MinY, MaxY.
    private const int XN = 0, XSx = 1, XSy = 3, XSxx = 5, XSyy = 7, XSxy = 9, XMinX = 11, XMaxX = 12, XMinY = 13, XMaxY = 14;

    /// <summary><see cref="ExactCoMoments.Add"/> on the slab.</summary>
    public static void AddExact(in ShardViews s, int f, int i, long x, long y)
    {
        long n = s.L(f + XN, i);
        if (n == 0) { s.L(f + XMinX, i) = s.L(f + XMaxX, i) = x; s.L(f + XMinY, i) = s.L(f + XMaxY, i) = y; }
        else
        {
            if (x < s.L(f + XMinX, i)) s.L(f + XMinX, i) = x;
            if (x > s.L(f + XMaxX, i)) s.L(f + XMaxX, i) = x;
            if (y < s.L(f + XMinY, i)) s.L(f + XMinY, i) = y;
            if (y > s.L(f + XMaxY, i)) s.L(f + XMaxY, i) = y;
        }
        s.L(f + XN, i) = n + 1;
        s.SetL128(f + XSx, i, DeviceInt128.Add(s.L128(f + XSx, i), x));
        s.SetL128(f + XSy, i, DeviceInt128.Add(s.L128(f + XSy, i), y));
        s.SetL128(f + XSxx, i, DeviceInt128.Add(s.L128(f + XSxx, i), DeviceInt128.Multiply(x, x)));
        s.SetL128(f + XSyy, i, DeviceInt128.Add(s.L128(f + XSyy, i), DeviceInt128.Multiply(y, y)));
        s.SetL128(f + XSxy, i, DeviceInt128.Add(s.L128(f + XSxy, i), DeviceInt128.Multiply(x, y)));
    }

    /// <summary><see cref="ExactCoMoments.Corr"/> on the slab.</summary>
    public static double ExactCorr(in ShardViews s, int f, int i)
    {
        long n = s.L(f + XN, i);
        if (n < 3 || s.L(f + XMinX, i) == s.L(f + XMaxX, i) || s.L(f + XMinY, i) == s.L(f + XMaxY, i)) return double.NaN;
        var nn = DeviceInt128.FromLong(n);
        var sx = s.L128(f + XSx, i);
        var sy = s.L128(f + XSy, i);
        var cov = DeviceInt128.Subtract(DeviceInt128.Multiply(nn, s.L128(f + XSxy, i)), DeviceInt128.Multiply(sx, sy));
        var vx = DeviceInt128.Subtract(DeviceInt128.Multiply(nn, s.L128(f + XSxx, i)), DeviceInt128.Multiply(sx, sx));
        var vy = DeviceInt128.Subtract(DeviceInt128.Multiply(nn, s.L128(f + XSyy, i)), DeviceInt128.Multiply(sy, sy));
        return cov.ToDouble() / Math.Sqrt(vx.ToDouble() * vy.ToDouble());
    }
}
