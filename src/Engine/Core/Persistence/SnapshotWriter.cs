using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sig.Engine.Persistence;

/// <summary>
/// Writes snapshot bodies straight into a growable byte array that a writer keeps from snapshot to
/// snapshot (grown once to the largest one). Its methods write the bytes <see cref="BinaryWriter"/>'s
/// overloads of the same names write (little-endian fixed widths, <see cref="WriteVar"/> = zig-zag
/// LEB128, as <see cref="BinaryWriter.Write7BitEncodedInt64"/> of the zig-zag value), so the
/// format is unchanged; but each value is one capacity check and stores into the array, where a
/// <see cref="BinaryWriter"/> hands every varint byte to its stream in a virtual call.
/// </summary>
public sealed class SnapshotWriter
{
    /// <summary>The most bytes one varint takes (64 bits, 7 per byte).</summary>
    public const int MaxVarBytes = 10;

    private byte[] _buffer;
    private int _length;

    /// <summary>An empty writer of <paramref name="capacity"/> bytes to start with.</summary>
    public SnapshotWriter(int capacity = 4096) => _buffer = new byte[Math.Max(16, capacity)];

    /// <summary>The bytes written since the last <see cref="Reset"/>.</summary>
    public Span<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>How many bytes were written since the last <see cref="Reset"/>.</summary>
    public int Length => _length;

    /// <summary>Forgets the bytes written; the storage is kept.</summary>
    public void Reset() => _length = 0;

    /// <summary>The written bytes as an array: the storage itself when it holds exactly them (the writer must not be used after), else a copy.</summary>
    internal byte[] DetachOrCopy()
    {
        if (_length != _buffer.Length) return Written.ToArray();
        var bytes = _buffer;
        _buffer = [];
        _length = 0;
        return bytes;
    }

    /// <summary>Zig-zag LEB128: small magnitudes of either sign take few bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteVar(long value)
    {
        ulong z = (ulong)((value << 1) ^ (value >> 63));
        int at = _length;
        if (_buffer.Length - at < MaxVarBytes) Grow(MaxVarBytes);
        ref byte dest = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buffer), at);
        if (z < 0x80)
        {
            dest = (byte)z;
            _length = at + 1;
            return;
        }
        _length = at + WriteVarSlow(ref dest, z);
    }

    // Two or more bytes. Below 2^56 the 7-bit groups are spread into the 8 bytes of one word
    // without a loop and stored at once (the capacity check left room for 10 bytes).
    private static int WriteVarSlow(ref byte dest, ulong z)
    {
        if (z >= 1UL << 56)
        {
            int n = 0;
            while (z >= 0x80) { Unsafe.Add(ref dest, n++) = (byte)(z | 0x80); z >>= 7; }
            Unsafe.Add(ref dest, n++) = (byte)z;
            return n;
        }
        int bytes = (70 - BitOperations.LeadingZeroCount(z)) / 7; // ceil(significant bits / 7), z ≥ 0x80
        ulong spread = (z & 0x7F) | ((z << 1) & 0x7F00) | ((z << 2) & 0x7F0000) | ((z << 3) & 0x7F000000)
            | ((z << 4) & 0x7F00000000) | ((z << 5) & 0x7F0000000000) | ((z << 6) & 0x7F000000000000) | ((z << 7) & 0x7F00000000000000);
        spread |= 0x8080808080808080UL & ((1UL << (8 * (bytes - 1))) - 1); // continuation bits on all but the last byte
        Unsafe.WriteUnaligned(ref dest, BitConverter.IsLittleEndian ? spread : BinaryPrimitives.ReverseEndianness(spread));
        return bytes;
    }

    public void Write(byte value) => Reserve(1)[0] = value;
    public void Write(sbyte value) => Reserve(1)[0] = (byte)value;
    public void Write(bool value) => Reserve(1)[0] = value ? (byte)1 : (byte)0;
    public void Write(short value) => BinaryPrimitives.WriteInt16LittleEndian(Reserve(2), value);
    public void Write(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);
    public void Write(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);
    public void Write(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);
    public void Write(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);
    public void Write(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);
    public void Write(float value) => BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), value);
    public void Write(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), value);

    /// <summary>The bytes as they are (no length prefix).</summary>
    public void Write(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    /// <summary>Low 64 bits, then high 64 bits, each little-endian.</summary>
    public void WriteInt128(Int128 value)
    {
        var span = Reserve(16);
        BinaryPrimitives.WriteUInt64LittleEndian(span, (ulong)(value & ulong.MaxValue));
        BinaryPrimitives.WriteUInt64LittleEndian(span[8..], (ulong)(value >> 64));
    }

    /// <summary>
    /// The next <paramref name="bytes"/> bytes, counted as written (fixed-width fields and bulk
    /// copies of blittable little-endian arrays: one capacity check for the whole group).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Reserve(int bytes)
    {
        int at = _length;
        if (_buffer.Length - at < bytes) Grow(bytes);
        _length = at + bytes;
        return _buffer.AsSpan(at, bytes);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int more)
    {
        long needed = (long)_length + more;
        if (needed > Array.MaxLength) throw new InvalidDataException($"snapshot of more than {Array.MaxLength} bytes");
        long size = Math.Min(Array.MaxLength, Math.Max(needed, 2L * _buffer.Length));
        var bigger = GC.AllocateUninitializedArray<byte>((int)size);
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        _buffer = bigger;
    }
}
