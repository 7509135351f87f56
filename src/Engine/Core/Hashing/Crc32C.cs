using Sig.Engine.Hashing;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Sig.Engine.Hashing;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of journal records and tick-store blocks.
/// Uses the CPU's CRC32 instruction (SSE4.2 on x86, the CRC extension on Arm) and a
/// table-driven fallback elsewhere; all paths give identical results. On x64, long inputs (a
/// tick-store block is checksummed in 256 KiB reads) run as three interleaved lanes: the instruction's
/// latency is three times its issue interval, so one dependent chain leaves two thirds of it idle.
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
    public static uint Update(uint register, ReadOnlySpan<byte> data)
    {
        if (Sse42.X64.IsSupported)
        {
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
