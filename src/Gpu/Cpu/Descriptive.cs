namespace Sig.Gpu.Cpu;

/// <summary>
/// Two-pass population statistics over short series (minute bars). Constant sets are detected
/// exactly (max == min), never by a variance under a tolerance (FACTORS.md).
/// </summary>
public static class Descriptive
{
    public static double Mean(ReadOnlySpan<double> x)
    {
        double s = 0;
        foreach (double v in x) s += v;
        return s / x.Length;
    }

    public static bool IsConstant(ReadOnlySpan<double> x)
    {
        double min = x[0], max = x[0];
        foreach (double v in x) { if (v < min) min = v; if (v > max) max = v; }
        return min == max;
    }

    public static double Skew(ReadOnlySpan<double> x)
    {
        if (x.Length < 3 || IsConstant(x)) return double.NaN;
        double mu = Mean(x), m2 = 0, m3 = 0;
        foreach (double v in x) { double d = v - mu, d2 = d * d; m2 += d2; m3 += d2 * d; }
        m2 /= x.Length; m3 /= x.Length;
        return m3 / Math.Pow(m2, 1.5);
    }

    public static double Corr(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length < 3 || IsConstant(x) || IsConstant(y)) return double.NaN;
        double mx = Mean(x), my = Mean(y), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
        }
        return sxy / Math.Sqrt(sxx * syy);
    }
}
