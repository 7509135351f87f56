using Sig.Engine.Hashing;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Sig.Engine.Hashing;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of journal records and tick-store blocks.
/// Uses the CPU's CRC32 instruction (SSE4.2 on x86, the CRC extension on Arm) and a
/// table-driven fallback elsewhere; all paths give identical results. On x64, long inputs (a
/// tick-store block is checksummed in 256 KiB reads) run as three interleaved lanes: the instruction's
/// latency is three times its issue interval, so one dependent chain leaves two thirds of it idle.
/// Where the CPU multiplies carry-less on 512-bit vectors (VPCLMULQDQ with AVX-512), long inputs are
/// folded sixteen bytes to a lane instead, about twice as fast again (see <see cref="Fold512"/>).
/// </summary>
public static class Crc32C
{
    private const uint ReflectedPolynomial = 0x82F63B78u;

    /// <summary>Bytes per lane of a three-lane stripe (a multiple of 8).</summary>
    private const int Lane = 4096;

    private static readonly uint[] Table = BuildTable();

    // The register after Lane zero bytes, as a function of the register before: linear over GF(2), so
    // four 256-entry tables (one per register byte) give it with four lookups.
    private static readonly uint[] ShiftLane = BuildShift(Lane);

    /// <summary>The CRC-32C of <paramref name="data"/> (initial value and final XOR 0xFFFFFFFF).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(~0u, data);

    /// <summary>Continues a finalized checksum <paramref name="crc"/> (0 to start) over more bytes:
    /// Append(Append(0, a), b) == Compute(a ++ b).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) => ~Update(~crc, data);

    /// <summary>
    /// Folds <paramref name="data"/> into a running, not yet finalized CRC register; start from
    /// 0xFFFFFFFF and complement the end result. Lets a checksum span several buffers.
    /// </summary>
    public static uint Update(uint register, ReadOnlySpan<byte> data) => Update(register, data, fold: true);

    /// <summary><see cref="Update(uint, ReadOnlySpan{byte})"/> without the folding path: public so tests check both hardware paths against the table.</summary>
    public static uint UpdateWithoutFolding(uint register, ReadOnlySpan<byte> data) => Update(register, data, fold: false);

    private static uint Update(uint register, ReadOnlySpan<byte> data, bool fold)
    {
        if (Sse42.X64.IsSupported)
        {
            if (fold && Pclmulqdq.V512.IsSupported && data.Length >= FoldMinimum) register = Fold512(register, ref data);
            while (data.Length >= 3 * Lane)
            {
                register = ThreeLanes(register, data);
                data = data[(3 * Lane)..];
            }
            while (data.Length >= 8)
            {
                register = (uint)Sse42.X64.Crc32(register, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }
            foreach (byte b in data) register = Sse42.Crc32(register, b);
            return register;
        }
        if (Sse42.IsSupported)
        {
            while (data.Length >= 4)
            {
                register = Sse42.Crc32(register, BinaryPrimitives.ReadUInt32LittleEndian(data));
                data = data[4..];
            }
            foreach (byte b in data) register = Sse42.Crc32(register, b);
            return register;
        }
        if (Crc32.Arm64.IsSupported)
        {
            while (data.Length >= 8)
            {
                register = Crc32.Arm64.ComputeCrc32C(register, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }
            foreach (byte b in data) register = Crc32.ComputeCrc32C(register, b);
            return register;
        }
        if (Crc32.IsSupported)
        {
            foreach (byte b in data) register = Crc32.ComputeCrc32C(register, b);
            return register;
        }
        return UpdateSoftware(register, data);
    }

    /// <summary>
    /// The register over the first 3 × <see cref="Lane"/> bytes: lane 0 continues <paramref name="register"/>,
    /// lanes 1 and 2 start from 0, all three advanced together; then, the register update being linear,
    /// reg(a ++ b) = shift(reg(a), |b|) ^ reg0(b) joins them.
    /// </summary>
    private static uint ThreeLanes(uint register, ReadOnlySpan<byte> data)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        ulong a = register, b = 0, c = 0;
        for (int i = 0; i < Lane; i += 8)
        {
            a = Sse42.X64.Crc32(a, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
            b = Sse42.X64.Crc32(b, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, Lane + i)));
            c = Sse42.X64.Crc32(c, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, 2 * Lane + i)));
        }
        return Shift((uint)b ^ Shift((uint)a)) ^ (uint)c;
    }

    // Below this, the fold's setup and final reduction cost more than the lanes save.
    private const int FoldMinimum = 512;

    // Folding constants: a 128-bit lane moved `bits` further along the message is its low half
    // times x^(bits + 32) mod P plus its high half times x^(bits − 32) mod P (carry-less, in the
    // reflected bit order, each constant reflected and shifted left one place), per lane of 128 bits.
    private static readonly Vector512<ulong> Across2048 = FoldConstants(2048), Across512 = FoldConstants(512);
    private static readonly Vector128<ulong> Across128 = FoldConstants(128).GetLower().GetLower();

    private static Vector512<ulong> FoldConstants(int bits)
    {
        ulong low = Reflected(bits + 32), high = Reflected(bits - 32);
        return Vector512.Create(low, high, low, high, low, high, low, high);
    }

    // (x^e mod P), bit-reflected over 32 bits, shifted left one place. Computed in the reflected order
    // throughout, as the table is: 1 is the top bit, and multiplying by x is a right shift with P
    // (reflected, without its x^32 term) added when the x^31 coefficient (bit 0) moves out.
    private static ulong Reflected(int e)
    {
        uint r = 0x8000_0000u;
        for (int i = 0; i < e; i++) r = (r & 1) != 0 ? (r >> 1) ^ ReflectedPolynomial : r >> 1;
        return (ulong)r << 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Fold(Vector512<ulong> x, Vector512<ulong> k) =>
        Pclmulqdq.V512.CarrylessMultiply(x, k, 0x00) ^ Pclmulqdq.V512.CarrylessMultiply(x, k, 0x11);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Fold(Vector128<ulong> x, Vector128<ulong> k) =>
        Pclmulqdq.CarrylessMultiply(x, k, 0x00) ^ Pclmulqdq.CarrylessMultiply(x, k, 0x11);

    /// <summary>
    /// The register over <paramref name="data"/>'s whole 16-byte blocks (at least
    /// <see cref="FoldMinimum"/> bytes), which it leaves as the rest of <paramref name="data"/>. The
    /// register is XORed into the first four bytes (the CRC's own first step), four 512-bit
    /// accumulators take 256 bytes per round, each folded 2048 bits forward onto the next 256; at the
    /// end they fold into one 128-bit block whose CRC from a zero register is the whole input's
    /// (folding keeps the value modulo P, and the CRC of a block depends on nothing else).
    /// </summary>
    private static uint Fold512(uint register, ref ReadOnlySpan<byte> data)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        var y0 = Vector512.LoadUnsafe(ref p).AsUInt64() ^ Vector512.CreateScalar((ulong)register);
        var y1 = Vector512.LoadUnsafe(ref p, 64).AsUInt64();
        var y2 = Vector512.LoadUnsafe(ref p, 128).AsUInt64();
        var y3 = Vector512.LoadUnsafe(ref p, 192).AsUInt64();
        nuint at = 256, end = (nuint)data.Length;
        var across2048 = Across2048;
        for (; at + 256 <= end; at += 256)
        {
            y0 = Fold(y0, across2048) ^ Vector512.LoadUnsafe(ref p, at).AsUInt64();
            y1 = Fold(y1, across2048) ^ Vector512.LoadUnsafe(ref p, at + 64).AsUInt64();
            y2 = Fold(y2, across2048) ^ Vector512.LoadUnsafe(ref p, at + 128).AsUInt64();
            y3 = Fold(y3, across2048) ^ Vector512.LoadUnsafe(ref p, at + 192).AsUInt64();
        }
        var across512 = Across512;
        var y = Fold(Fold(Fold(y0, across512) ^ y1, across512) ^ y2, across512) ^ y3;
        for (; at + 64 <= end; at += 64) y = Fold(y, across512) ^ Vector512.LoadUnsafe(ref p, at).AsUInt64();
        // y's four 128-bit lanes are four consecutive blocks: folded into one.
        var across128 = Across128;
        var x = Fold(Fold(Fold(y.GetLower().GetLower(), across128) ^ y.GetLower().GetUpper(), across128) ^ y.GetUpper().GetLower(), across128)
            ^ y.GetUpper().GetUpper();
        for (; at + 16 <= end; at += 16) x = Fold(x, across128) ^ Vector128.LoadUnsafe(ref p, at).AsUInt64();
        data = data[(int)at..];
        return (uint)Sse42.X64.Crc32(Sse42.X64.Crc32(0UL, x.GetElement(0)), x.GetElement(1));
    }

    private static uint Shift(uint register) =>
        ShiftLane[(byte)register] ^ ShiftLane[256 + (byte)(register >> 8)] ^ ShiftLane[512 + (byte)(register >> 16)] ^ ShiftLane[768 + (register >> 24)];

    // Entry k × 256 + v: the register after `bytes` zero bytes from the register v << 8k (built with the table path).
    private static uint[] BuildShift(int bytes)
    {
        var zeros = new byte[bytes];
        var bit = new uint[32];
        for (int k = 0; k < 32; k++) bit[k] = UpdateSoftware(1u << k, zeros);
        var shift = new uint[4 * 256];
        for (int k = 0; k < 4; k++)
            for (int v = 1; v < 256; v++)
            {
                int low = v & -v; // the lowest set bit: v's entry is v-without-it's entry ^ that bit's image
                shift[k * 256 + v] = shift[k * 256 + (v ^ low)] ^ bit[8 * k + BitOperations.TrailingZeroCount(low)];
            }
        return shift;
    }

    /// <summary>The table-driven path, used where no CRC instruction exists; public so tests can pin the hardware paths to it.</summary>
    public static uint UpdateSoftware(uint register, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) register = Table[(byte)(register ^ b)] ^ (register >> 8);
        return register;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ ReflectedPolynomial : c >> 1;
            table[i] = c;
        }
        return table;
    }
}
