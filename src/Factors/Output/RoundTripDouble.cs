using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sig.Factors.Output;

/// <summary>
/// The shortest round-trip text of a double, byte for byte what .NET's
/// <c>d.ToString("R", CultureInfo.InvariantCulture)</c> writes for a finite d, at a fraction of
/// its cost (the payload of a 5000-symbol minute is 135,000 numbers). The digits come from the
/// Ryū algorithm (Adams, PLDI 2018): the shortest decimal in the rounding interval of d, the
/// closest to d when several are that short, ties to even — the digits .NET's formatter also
/// picks, except at powers of two (see <see cref="Write"/>), which are handed to the runtime. The layout is .NET's "R" (= "G" with the shortest digits): positional while the
/// decimal exponent e of the first digit is in [−4, 16], otherwise d.ddd "E" sign and at least
/// two exponent digits; negative zero is "-0". <c>RoundTripDoubleTests</c> compare it with the
/// runtime's formatter over edge cases and millions of random values.
/// </summary>
public static class RoundTripDouble
{
    /// <summary>Longest text: "-2.2250738585072014E-308".</summary>
    public const int MaxLength = 24;

    private const int MantissaBits = 52;
    private const int ExponentBits = 11;
    private const int Bias = 1023;
    private const int Pow5InvBitCount = 125;
    private const int Pow5BitCount = 125;

    // 5^i normalised to 125 bits (i < 326) and ⌊2^(len(5^i) − 1 + 125) / 5^i⌋ + 1 (i < 342), as (low, high) pairs.
    private static readonly ulong[] Pow5Split = Table(326, inverse: false);
    private static readonly ulong[] Pow5InvSplit = Table(342, inverse: true);

    /// <summary>Writes the text of finite <paramref name="d"/> at the start of <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes); returns its length.</summary>
    public static int Write(double d, Span<byte> destination)
    {
        if (!double.IsFinite(d)) throw new ArgumentOutOfRangeException(nameof(d), "only finite numbers have a round-trip text here");
        if (destination.Length < MaxLength) return WriteShort(d, destination);
        ulong bits = BitConverter.DoubleToUInt64Bits(d);
        bool negative = (bits >> 63) != 0;
        ulong ieeeMantissa = bits & ((1UL << MantissaBits) - 1);
        int ieeeExponent = (int)((bits >> MantissaBits) & ((1u << ExponentBits) - 1));
        if (ieeeMantissa == 0 && ieeeExponent > 1)
        {
            // A power of two: its rounding interval is narrower below than above, and the runtime
            // does not always pick Ryū's digits there (2^-959: 16 digits where Ryū finds 17), so
            // these few values take the runtime's own path.
            if (!d.TryFormat(destination, out int written, "R", CultureInfo.InvariantCulture)) throw new ArgumentException("destination too small", nameof(destination));
            return written;
        }
        ref byte dest = ref MemoryMarshal.GetReference(destination);
        int at = 0;
        if (negative) dest = (byte)'-';
        if (negative) at = 1;
        if (ieeeExponent == 0 && ieeeMantissa == 0)
        {
            Unsafe.Add(ref dest, at) = (byte)'0';
            return at + 1;
        }
        var (digits, exponent) = Shortest(ieeeMantissa, ieeeExponent);
        return at + Layout(digits, exponent, ref Unsafe.Add(ref dest, at));
    }

    // The layout writes without bounds checks, so a destination shorter than MaxLength gets the text
    // through a scratch buffer (and an exception if the text does not fit). Kept out of Write so that
    // Write's own frame has no stack buffer to set up and check on every call.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int WriteShort(double d, Span<byte> destination)
    {
        Span<byte> scratch = stackalloc byte[MaxLength];
        int n = Write(d, scratch);
        scratch[..n].CopyTo(destination);
        return n;
    }

    // digits × 10^exponent laid out as .NET's "R" does, at dest (room for MaxLength bytes, checked
    // by Write: the text is at most 17 digits, a point, "0.000" or an exponent). The digits are
    // written straight into place, two at a time from a pair table, with no bounds checks: at 135,000
    // numbers a minute these writes are most of the layout's cost.
    private static int Layout(ulong digits, int exponent, ref byte dest)
    {
        int length = DecimalLength(digits);
        int scale = exponent + length; // the decimal point sits after `scale` digits
        int at;
        if (scale > 17 || scale < -3)
        {
            // d.ddd: all digits one place right, then the first moved left over the point.
            PutDigits(digits, ref Unsafe.Add(ref dest, 1), length);
            dest = Unsafe.Add(ref dest, 1);
            at = 1;
            if (length > 1)
            {
                Unsafe.Add(ref dest, 1) = (byte)'.';
                at = length + 1;
            }
            int e = scale - 1;
            Unsafe.Add(ref dest, at++) = (byte)'E';
            Unsafe.Add(ref dest, at++) = e < 0 ? (byte)'-' : (byte)'+';
            if (e < 0) e = -e;
            if (e >= 100) Unsafe.Add(ref dest, at++) = (byte)('0' + e / 100);
            PutPair((uint)(e % 100), ref Unsafe.Add(ref dest, at));
            at += 2;
        }
        else if (scale <= 0)
        {
            // "0." and −scale zeros (at most three), then the digits.
            Unsafe.WriteUnaligned(ref dest, 0x3030_3030_3030_2E30UL); // "0.000000"
            at = 2 - scale;
            PutDigits(digits, ref Unsafe.Add(ref dest, at), length);
            at += length;
        }
        else if (scale >= length)
        {
            // An integer: the digits, then zeros up to the point (scale ≤ 17).
            PutDigits(digits, ref dest, length);
            for (int k = length; k < scale; k++) Unsafe.Add(ref dest, k) = (byte)'0';
            at = scale;
        }
        else
        {
            // ddd.ddd: all digits one place right, then the integer part moved left over the point
            // (a dozen bytes at most: cheaper than splitting the digits with a division by 10^k).
            PutDigits(digits, ref Unsafe.Add(ref dest, 1), length);
            for (int k = 0; k < scale; k++) Unsafe.Add(ref dest, k) = Unsafe.Add(ref dest, k + 1);
            Unsafe.Add(ref dest, scale) = (byte)'.';
            at = length + 1;
        }
        return at;
    }

    private static readonly ulong[] Pow10 = [.. Enumerable.Range(0, 20).Select(k => (ulong)BigInteger.Pow(10, k))];

    // "00" … "99", each pair as the two bytes of one little-endian ushort.
    private static readonly ushort[] DigitPairs = [.. Enumerable.Range(0, 100).Select(k => (ushort)(('0' + k / 10) | (('0' + k % 10) << 8)))];

    // Number of decimal digits of v > 0.
    private static int DecimalLength(ulong v)
    {
        int t = ((64 - BitOperations.LeadingZeroCount(v)) * 1233) >> 12; // ⌊log10 2^bits⌋, one too high at most
        return t + (v >= Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Pow10), t) ? 1 : 0);
    }

    // v as exactly `count` digits at dest (leading zeros where v is shorter). Eight digits at a time
    // are split off with one 64-bit division by 10^8 and written from 32-bit halves: the four pairs
    // of a block do not wait on one another, where dividing v by 100 pair after pair made one chain
    // of up to nine 64-bit divisions per number.
    private static void PutDigits(ulong v, ref byte dest, int count)
    {
        int k = count;
        while (k >= 8)
        {
            ulong q = v / 100_000_000;
            uint block = (uint)(v - q * 100_000_000);
            v = q;
            uint high = block / 10_000, low = block - high * 10_000;
            PutPair(high / 100, ref Unsafe.Add(ref dest, k - 8));
            PutPair(high % 100, ref Unsafe.Add(ref dest, k - 6));
            PutPair(low / 100, ref Unsafe.Add(ref dest, k - 4));
            PutPair(low % 100, ref Unsafe.Add(ref dest, k - 2));
            k -= 8;
        }
        uint w = (uint)v;
        while (k >= 2)
        {
            uint pair = w % 100;
            w /= 100;
            PutPair(pair, ref Unsafe.Add(ref dest, k - 2));
            k -= 2;
        }
        if (k == 1) dest = (byte)('0' + w % 10);
    }

    // The two digits of pair (0..99) at dest.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutPair(uint pair, ref byte dest) =>
        Unsafe.WriteUnaligned(ref dest, Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(DigitPairs), (nint)pair));

    // Ryū's d2d: the shortest digits (and their decimal exponent) that round to the double.
    private static (ulong Digits, int Exponent) Shortest(ulong ieeeMantissa, int ieeeExponent)
    {
        int e2;
        ulong m2;
        if (ieeeExponent == 0)
        {
            e2 = 1 - Bias - MantissaBits - 2;
            m2 = ieeeMantissa;
        }
        else
        {
            e2 = ieeeExponent - Bias - MantissaBits - 2;
            m2 = (1UL << MantissaBits) | ieeeMantissa;
        }
        bool even = (m2 & 1) == 0, acceptBounds = even;
        ulong mv = 4 * m2;
        uint mmShift = ieeeMantissa != 0 || ieeeExponent <= 1 ? 1u : 0u;
        ulong vr, vp, vm;
        int e10;
        bool vmIsTrailingZeros = false, vrIsTrailingZeros = false;
        if (e2 >= 0)
        {
            int q = (int)Log10Pow2(e2) - (e2 > 3 ? 1 : 0);
            e10 = q;
            int k = Pow5InvBitCount + Pow5Bits(q) - 1;
            int i = -e2 + q + k;
            vr = MulShiftAll(m2, Pow5InvSplit, q, i, out vp, out vm, mmShift);
            if (q <= 21)
            {
                if (mv % 5 == 0) vrIsTrailingZeros = MultipleOfPowerOf5(mv, q);
                else if (acceptBounds) vmIsTrailingZeros = MultipleOfPowerOf5(mv - 1 - mmShift, q);
                else vp -= MultipleOfPowerOf5(mv + 2, q) ? 1UL : 0UL;
            }
        }
        else
        {
            int q = (int)Log10Pow5(-e2) - (-e2 > 1 ? 1 : 0);
            e10 = q + e2;
            int i = -e2 - q;
            int k = Pow5Bits(i) - Pow5BitCount;
            int j = q - k;
            vr = MulShiftAll(m2, Pow5Split, i, j, out vp, out vm, mmShift);
            if (q <= 1)
            {
                // mv has at least q trailing zero bits (it is 4·m2), and q ≤ 1 of them are needed.
                vrIsTrailingZeros = true;
                if (acceptBounds) vmIsTrailingZeros = mmShift == 1;
                else --vp;
            }
            else if (q < 63)
            {
                vrIsTrailingZeros = (mv & ((1UL << q) - 1)) == 0;
            }
        }

        int removed = 0;
        int lastRemovedDigit = 0;
        ulong output;
        if (vmIsTrailingZeros || vrIsTrailingZeros)
        {
            // The rare general case: track whether the removed digits were all zero.
            while (vp / 10 > vm / 10)
            {
                vmIsTrailingZeros &= vm % 10 == 0;
                vrIsTrailingZeros &= lastRemovedDigit == 0;
                lastRemovedDigit = (int)(vr % 10);
                vr /= 10; vp /= 10; vm /= 10;
                removed++;
            }
            if (vmIsTrailingZeros)
            {
                while (vm % 10 == 0)
                {
                    vrIsTrailingZeros &= lastRemovedDigit == 0;
                    lastRemovedDigit = (int)(vr % 10);
                    vr /= 10; vp /= 10; vm /= 10;
                    removed++;
                }
            }
            if (vrIsTrailingZeros && lastRemovedDigit == 5 && vr % 2 == 0) lastRemovedDigit = 4; // exactly halfway: round to even
            output = vr + ((vr == vm && (!acceptBounds || !vmIsTrailingZeros)) || lastRemovedDigit >= 5 ? 1UL : 0UL);
        }
        else
        {
            // The common case: two digits at a time first (most numbers lose at least two), then one.
            bool roundUp = false;
            ulong vpDiv100 = vp / 100, vmDiv100 = vm / 100;
            if (vpDiv100 > vmDiv100)
            {
                ulong vrDiv100 = vr / 100;
                roundUp = vr - 100 * vrDiv100 >= 50;
                (vr, vp, vm) = (vrDiv100, vpDiv100, vmDiv100);
                removed = 2;
            }
            while (true)
            {
                ulong vpDiv10 = vp / 10, vmDiv10 = vm / 10;
                if (vpDiv10 <= vmDiv10) break;
                ulong vrDiv10 = vr / 10;
                roundUp = vr - 10 * vrDiv10 >= 5;
                (vr, vp, vm) = (vrDiv10, vpDiv10, vmDiv10);
                removed++;
            }
            output = vr + (vr == vm || roundUp ? 1UL : 0UL);
        }
        return (output, e10 + removed);
    }

    // Ryū's mulShiftAll64: (4m)·T, (4m + 2)·T and (4m − 1 − mmShift)·T, each >> j, for T = (hi·2^64 + lo),
    // from the one product 2m·T (192 bits, two 64×64 multiplications) and T added or subtracted,
    // instead of three products.
    private static ulong MulShiftAll(ulong m, ulong[] table, int index, int j, out ulong vp, out ulong vm, uint mmShift)
    {
        ref ulong entry = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(table), 2 * index);
        ulong tLo = entry, tHi = Unsafe.Add(ref entry, 1);
        m <<= 1; // 55 bits at most
        ulong tmp = Math.BigMul(m, tLo, out ulong lo);
        ulong midHigh = Math.BigMul(m, tHi, out ulong midLow);
        ulong mid = tmp + midLow;
        ulong hi = midHigh + (mid < tmp ? 1UL : 0UL);

        ulong lo2 = lo + tLo;
        ulong mid2 = mid + tHi + (lo2 < lo ? 1UL : 0UL);
        ulong hi2 = hi + (mid2 < mid ? 1UL : 0UL);
        vp = ShiftRight128(mid2, hi2, j - 64 - 1);

        if (mmShift == 1)
        {
            ulong lo3 = lo - tLo;
            ulong mid3 = mid - tHi - (lo3 > lo ? 1UL : 0UL);
            ulong hi3 = hi - (mid3 > mid ? 1UL : 0UL);
            vm = ShiftRight128(mid3, hi3, j - 64 - 1);
        }
        else
        {
            ulong lo3 = lo + lo;
            ulong mid3 = mid + mid + (lo3 < lo ? 1UL : 0UL);
            ulong hi3 = hi + hi + (mid3 < mid ? 1UL : 0UL);
            ulong lo4 = lo3 - tLo;
            ulong mid4 = mid3 - tHi - (lo4 > lo3 ? 1UL : 0UL);
            ulong hi4 = hi3 - (mid4 > mid3 ? 1UL : 0UL);
            vm = ShiftRight128(mid4, hi4, j - 64);
        }
        return ShiftRight128(mid, hi, j - 64 - 1);
    }

    // (hi·2^64 + lo) >> dist, for 0 < dist < 64.
    private static ulong ShiftRight128(ulong lo, ulong hi, int dist) => (hi << (64 - dist)) | (lo >> dist);

    private static int Pow5Bits(int e) => (int)(((uint)e * 1217359) >> 19) + 1;

    private static uint Log10Pow2(int e) => ((uint)e * 78913) >> 18;

    private static uint Log10Pow5(int e) => ((uint)e * 732923) >> 20;

    private static bool MultipleOfPowerOf5(ulong value, int p)
    {
        int count = 0;
        while (value % 5 == 0)
        {
            value /= 5;
            if (++count >= p) return true;
        }
        return count >= p;
    }

    private static ulong[] Table(int size, bool inverse)
    {
        var table = new ulong[2 * size];
        var mask = (BigInteger.One << 64) - 1;
        for (int i = 0; i < size; i++)
        {
            var pow = BigInteger.Pow(5, i);
            int length = (int)pow.GetBitLength();
            BigInteger v;
            if (inverse) v = (BigInteger.One << (length - 1 + Pow5InvBitCount)) / pow + 1;
            else
            {
                int shift = length - Pow5BitCount;
                v = shift >= 0 ? pow >> shift : pow << -shift;
            }
            table[2 * i] = (ulong)(v & mask);
            table[2 * i + 1] = (ulong)(v >> 64);
        }
        return table;
    }
}
