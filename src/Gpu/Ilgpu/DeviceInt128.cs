using ILGPU;

namespace Sig.Gpu.Ilgpu;

/// <summary>
/// A signed 128-bit two's-complement integer built from two 64-bit words, with the operations the
/// factor kernels need written out in 64-bit integer arithmetic only, so the same code runs on
/// ILGPU's CPU accelerator and compiles to PTX (System.Int128's operators use CPU intrinsics a
/// device cannot run). Every operation gives the same bits as System.Int128's: wrapping add,
/// subtract and multiply; the checked forms report overflow where Int128's checked operators
/// throw; the conversion to double is correctly rounded, as Int128's is.
/// </summary>
public struct DeviceInt128
{
    public ulong Lo;
    public long Hi;

    public DeviceInt128(long hi, ulong lo) { Hi = hi; Lo = lo; }

    public static DeviceInt128 FromLong(long v) => new(v >> 63, (ulong)v);

    public readonly bool IsNegative => Hi < 0;
    public readonly bool IsZero => Hi == 0 && Lo == 0;

    public static DeviceInt128 Add(DeviceInt128 a, DeviceInt128 b)
    {
        ulong lo = a.Lo + b.Lo;
        long carry = lo < a.Lo ? 1 : 0;
        return new(a.Hi + b.Hi + carry, lo);
    }

    public static DeviceInt128 Add(DeviceInt128 a, long b) => Add(a, FromLong(b));

    public static DeviceInt128 Subtract(DeviceInt128 a, DeviceInt128 b)
    {
        ulong lo = a.Lo - b.Lo;
        long borrow = a.Lo < b.Lo ? 1 : 0;
        return new(a.Hi - b.Hi - borrow, lo);
    }

    public static DeviceInt128 Negate(DeviceInt128 a) => Subtract(default, a);

    /// <summary>High 64 bits of the unsigned product of two 64-bit words (32-bit limbs, no intrinsics).</summary>
    public static ulong MulHigh(ulong a, ulong b)
    {
        ulong a0 = a & 0xFFFFFFFFUL, a1 = a >> 32, b0 = b & 0xFFFFFFFFUL, b1 = b >> 32;
        ulong p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
        ulong mid = (p00 >> 32) + (p01 & 0xFFFFFFFFUL) + (p10 & 0xFFFFFFFFUL);
        return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    }

    /// <summary>The exact signed product of two longs.</summary>
    public static DeviceInt128 Multiply(long a, long b)
    {
        ulong hi = MulHigh((ulong)a, (ulong)b);
        if (a < 0) hi -= (ulong)b;
        if (b < 0) hi -= (ulong)a;
        return new((long)hi, (ulong)a * (ulong)b);
    }

    /// <summary>The product modulo 2¹²⁸ (Int128's unchecked multiply).</summary>
    public static DeviceInt128 Multiply(DeviceInt128 a, DeviceInt128 b)
    {
        ulong hi = MulHigh(a.Lo, b.Lo) + a.Lo * (ulong)b.Hi + (ulong)a.Hi * b.Lo;
        return new((long)hi, a.Lo * b.Lo);
    }

    /// <summary>The product; <paramref name="overflow"/> is set where Int128's checked multiply throws.</summary>
    public static DeviceInt128 MultiplyChecked(DeviceInt128 a, DeviceInt128 b, out bool overflow)
    {
        bool negative = a.IsNegative != b.IsNegative;
        var ua = a.IsNegative ? Negate(a) : a; // |MinValue| = 2¹²⁷ reads correctly as unsigned
        var ub = b.IsNegative ? Negate(b) : b;
        ulong a1 = (ulong)ua.Hi, b1 = (ulong)ub.Hi;
        overflow = false;
        if (a1 != 0 && b1 != 0) overflow = true;
        // At most one high word is non-zero: the cross term must fit in 64 bits.
        ulong crossHigh = MulHigh(a1, ub.Lo) | MulHigh(ua.Lo, b1);
        if (crossHigh != 0) overflow = true;
        ulong cross = a1 * ub.Lo + ua.Lo * b1;
        ulong hi = MulHigh(ua.Lo, ub.Lo);
        ulong sumHi = hi + cross;
        if (sumHi < hi) overflow = true;
        ulong lo = ua.Lo * ub.Lo;
        // Magnitude limit: 2¹²⁷ − 1, or 2¹²⁷ for a negative result.
        if (sumHi > 0x7FFFFFFFFFFFFFFFUL && !(negative && sumHi == 0x8000000000000000UL && lo == 0)) overflow = true;
        var r = new DeviceInt128((long)sumHi, lo);
        return negative ? Negate(r) : r;
    }

    /// <summary>a − b; <paramref name="overflow"/> is set where Int128's checked subtraction throws.</summary>
    public static DeviceInt128 SubtractChecked(DeviceInt128 a, DeviceInt128 b, out bool overflow)
    {
        var r = Subtract(a, b);
        overflow = a.IsNegative != b.IsNegative && r.IsNegative != a.IsNegative;
        return r;
    }

    public static bool LessThan(DeviceInt128 a, DeviceInt128 b) => a.Hi < b.Hi || (a.Hi == b.Hi && a.Lo < b.Lo);

    public static bool Equal(DeviceInt128 a, DeviceInt128 b) => a.Hi == b.Hi && a.Lo == b.Lo;

    /// <summary>Correctly rounded to the nearest double (ties to even), like (double)Int128.</summary>
    public readonly double ToDouble()
    {
        if (IsNegative) return -UnsignedToDouble(Negate(this));
        return UnsignedToDouble(this);
    }

    // Splits the value into two parts that convert exactly, so the one addition rounds once.
    private static double UnsignedToDouble(DeviceInt128 v)
    {
        ulong upper = (ulong)v.Hi, lower = v.Lo;
        if (upper == 0) return lower;
        const double TwoPow52 = 4503599627370496.0, TwoPow76 = 75557863725914323419136.0;
        const double TwoPow104 = 20282409603651670423947251286016.0, TwoPow128 = 340282366920938463463374607431768211456.0;
        if ((upper >> 40) == 0)
        {
            // < 2¹⁰⁴: the low 52 bits, and the rest as a multiple of 2⁵².
            double low = Interop.IntAsFloat(0x4330000000000000UL | (lower & 0x000FFFFFFFFFFFFFUL)) - TwoPow52;
            ulong shifted = (lower >> 52) | (upper << 12);
            double high = Interop.IntAsFloat(0x4670000000000000UL | shifted) - TwoPow104;
            return low + high;
        }
        // ≥ 2¹⁰⁴: bits 12..75 with a sticky bit for bits 0..23, and the bits from 76 up.
        ulong mid = (lower >> 12) | (upper << 52);
        double lowPart = Interop.IntAsFloat(0x44B0000000000000UL | (mid >> 12) | (lower & 0xFFFFFFUL)) - TwoPow76;
        double highPart = Interop.IntAsFloat(0x47F0000000000000UL | (upper >> 12)) - TwoPow128;
        return lowPart + highPart;
    }

    /// <summary>(Int128)d for a finite d ≥ 0 below 2¹²⁷ (truncates toward zero).</summary>
    public static DeviceInt128 FromNonNegativeDouble(double d)
    {
        if (d < 1) return default;
        if (d >= 1.7014118346046923e38) return new(long.MaxValue, ulong.MaxValue); // saturates, as (Int128)d does
        ulong bits = (ulong)Interop.FloatAsInt(d);
        int exponent = (int)((bits >> 52) & 0x7FF) - 1075;
        ulong mantissa = (bits & 0x000FFFFFFFFFFFFFUL) | 0x0010000000000000UL;
        if (exponent <= 0) return new(0, mantissa >> -exponent);
        if (exponent >= 64) return new((long)(mantissa << (exponent - 64)), 0);
        return new((long)(mantissa >> (64 - exponent)), mantissa << exponent);
    }
}
