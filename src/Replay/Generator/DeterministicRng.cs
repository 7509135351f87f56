using System.Runtime.CompilerServices;

namespace Sig.Replay.Generator;

/// <summary>
/// xoshiro256** seeded through SplitMix64. Every stream is derived by hashing its key
/// (seed, symbol, day, purpose), so one symbol-day's draws never depend on how many draws
/// another symbol made: the output is reproducible and independent of generation order.
/// </summary>
public struct DeterministicRng
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>A stream for a composite key; the parts are folded through SplitMix64 one by one.</summary>
    public static DeterministicRng For(ulong seed, ulong a, ulong b = 0, ulong c = 0)
    {
        ulong h = SplitMix64(seed ^ 0x5851F42D4C957F2DUL);
        h = SplitMix64(h ^ a);
        h = SplitMix64(h ^ b);
        h = SplitMix64(h ^ c);
        var rng = new DeterministicRng();
        rng._s0 = SplitMix64(ref h);
        rng._s1 = SplitMix64(ref h);
        rng._s2 = SplitMix64(ref h);
        rng._s3 = SplitMix64(ref h);
        return rng;
    }

    private static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private static ulong SplitMix64(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        ulong z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextU64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextU64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n) (Lemire's multiply-high; the bias is below 2⁻³² for the small n used here).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextInt(int n) => (int)(((NextU64() >> 32) * (ulong)(uint)n) >> 32);

    /// <summary>Uniform integer in [lo, hi] inclusive.</summary>
    public int NextInt(int lo, int hi) => lo + NextInt(hi - lo + 1);

    public bool Chance(double p) => NextDouble() < p;

    /// <summary>Standard normal (Box–Muller; one value per call keeps the stream simple to reason about).</summary>
    public double NextNormal()
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Geometric count of failures before a success with probability <paramref name="p"/>, capped.</summary>
    public int NextGeometric(double p, int cap)
    {
        int k = 0;
        while (k < cap && NextDouble() >= p) k++;
        return k;
    }
}
