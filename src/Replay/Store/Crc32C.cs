using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Sig.Replay.Store;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of the tick store. Hardware instructions (SSE4.2 on x64,
/// the CRC extension on ARM64) checksum several GB/s, so verifying a column block costs much
/// less than reading it; a table-driven fallback keeps other machines correct.
/// Incremental: <c>Append(Append(0, a), b) == Compute(a ++ b)</c>.
/// </summary>
public static class Crc32C
{
    private const uint Polynomial = 0x82F63B78; // reflected Castagnoli
    private static readonly uint[] Table = BuildTable();

    /// <summary>The checksum of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues a checksum <paramref name="crc"/> (0 to start) over more bytes.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint c = ~crc;
        if (Sse42.X64.IsSupported) c = AppendSse42(c, data);
        else if (Crc32.Arm64.IsSupported) c = AppendArm64(c, data);
        else c = AppendTable(c, data);
        return ~c;
    }

    private static uint AppendSse42(uint c, ReadOnlySpan<byte> data)
    {
        ulong c64 = c;
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (ulong w in words) c64 = Sse42.X64.Crc32(c64, w);
        c = (uint)c64;
        foreach (byte b in data[(words.Length * 8)..]) c = Sse42.Crc32(c, b);
        return c;
    }

    private static uint AppendArm64(uint c, ReadOnlySpan<byte> data)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        // ARM reads the 64-bit word little-endian, as x64 does, so both give the same value.
        foreach (ulong w in words) c = Crc32.Arm64.ComputeCrc32C(c, BitConverter.IsLittleEndian ? w : BinaryPrimitives.ReverseEndianness(w));
        foreach (byte b in data[(words.Length * 8)..]) c = Crc32.ComputeCrc32C(c, b);
        return c;
    }

    private static uint AppendTable(uint c, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return c;
    }

    /// <summary>The software path, exposed so tests can check the hardware path against it.</summary>
    public static uint ComputeSoftware(ReadOnlySpan<byte> data) => ~AppendTable(~0u, data);

    private static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ Polynomial : c >> 1;
            t[i] = c;
        }
        return t;
    }
}
