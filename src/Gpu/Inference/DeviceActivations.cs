namespace Sig.Gpu.Inference;

/// <summary>
/// The activations the inference kernels use, written with +, −, ×, ÷ only, so the CPU
/// accelerator and a CUDA device run the same arithmetic. ILGPU maps <c>MathF.Exp</c> and
/// <c>MathF.Tanh</c> to PTX's <c>ex2.approx</c>/<c>tanh.approx</c> (relative error up to 2⁻¹¹
/// for tanh) and its double-precision <c>Math.Exp</c> to a slow CORDIC routine; an exponential
/// evaluated in double and rounded once to float stays within an ulp of the CPU models'.
/// </summary>
public static class DeviceActivations
{
    private const double Log2E = 1.4426950408889634;
    private const double Ln2Hi = 6.93147180369123816490e-01;
    private const double Ln2Lo = 1.90821492927058770002e-10;

    /// <summary>eˣ in double for |x| ≤ 110 (arguments outside are clamped: the float results are 0, 1 or ∞ there anyway).</summary>
    public static double Exp(double x)
    {
        if (double.IsNaN(x)) return x;
        if (x > 110.0) x = 110.0;
        if (x < -110.0) x = -110.0;
        // x = k·ln2 + r, |r| ≤ ln2/2 (Cody–Waite split keeps r exact to double precision).
        double kd = x * Log2E;
        int k = (int)(kd >= 0 ? kd + 0.5 : kd - 0.5);
        double r = x - k * Ln2Hi - k * Ln2Lo;
        // Taylor series to r¹³/13!: the remainder is below 2⁻⁵³ relative for |r| ≤ 0.347.
        double p = 1.0 + r / 13.0;
        p = 1.0 + r / 12.0 * p;
        p = 1.0 + r / 11.0 * p;
        p = 1.0 + r / 10.0 * p;
        p = 1.0 + r / 9.0 * p;
        p = 1.0 + r / 8.0 * p;
        p = 1.0 + r / 7.0 * p;
        p = 1.0 + r / 6.0 * p;
        p = 1.0 + r / 5.0 * p;
        p = 1.0 + r / 4.0 * p;
        p = 1.0 + r / 3.0 * p;
        p = 1.0 + r / 2.0 * p;
        p = 1.0 + r * p;
        return p * PowerOfTwo(k);
    }

    /// <summary>2ᵏ exactly (|k| ≤ 160), by squaring: no bit casts, which every backend runs alike.</summary>
    private static double PowerOfTwo(int k)
    {
        double result = 1.0, b = k < 0 ? 0.5 : 2.0;
        int e = k < 0 ? -k : k;
        while (e != 0)
        {
            if ((e & 1) != 0) result *= b;
            b *= b;
            e >>= 1;
        }
        return result;
    }

    /// <summary>The logistic function 1 / (1 + e⁻ˣ), evaluated in double and rounded once.</summary>
    public static float Sigmoid(float x) => (float)(1.0 / (1.0 + Exp(-(double)x)));

    /// <summary>tanh x, evaluated in double (a series near 0, where 1 − 2/(e²ˣ + 1) would cancel) and rounded once.</summary>
    public static float Tanh(float x)
    {
        double a = x < 0 ? -(double)x : x;
        double t;
        if (double.IsNaN(a)) return x;
        if (a < 0.0625)
        {
            // x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835 − 1382x¹¹/155925: below 2⁻⁵³ relative for |x| < 1/16.
            double a2 = a * a;
            t = a * (1.0 + a2 * (-1.0 / 3.0 + a2 * (2.0 / 15.0 + a2 * (-17.0 / 315.0 + a2 * (62.0 / 2835.0 + a2 * (-1382.0 / 155925.0))))));
        }
        else if (a > 20.0) t = 1.0;
        else t = 1.0 - 2.0 / (Exp(2.0 * a) + 1.0);
        return (float)(x < 0 ? -t : t);
    }
}
