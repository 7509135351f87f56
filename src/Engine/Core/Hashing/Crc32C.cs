using Sig.Engine.Hashing;
using System.Buffers.Binary;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Sig.Engine.Hashing;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of journal records and tick-store blocks.
/// Uses the CPU's CRC32 instruction (SSE4.2 on x86, the CRC extension on Arm) and a
/// table-driven fallback elsewhere; all paths give identical results.
/// </summary>
public static class Crc32C
{
    private const uint ReflectedPolynomial = 0x82F63B78u;

    private static readonly uint[] Table = BuildTable();

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
