using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sig.Engine.Persistence;

/// <summary>
/// Reads what <see cref="SnapshotWriter"/> wrote, straight from the bytes (no stream, no copy):
/// the methods read what <see cref="BinaryReader"/>'s methods of the same names read. Reading past
/// the end throws <see cref="EndOfStreamException"/> and a varint longer than 64 bits
/// <see cref="FormatException"/>, as <see cref="BinaryReader"/> does, so a decoder turns either
/// into its "truncated or malformed" refusal.
/// </summary>
public sealed class SnapshotReader
{
    private readonly byte[] _buffer;
    private readonly int _end;
    private int _position;

    /// <summary>A reader of <paramref name="bytes"/> (an array's slice is read in place; other memory is copied once).</summary>
    public SnapshotReader(ReadOnlyMemory<byte> bytes)
    {
        if (MemoryMarshal.TryGetArray(bytes, out var segment))
        {
            _buffer = segment.Array!;
            _position = segment.Offset;
            _end = segment.Offset + segment.Count;
        }
        else
        {
            _buffer = bytes.ToArray();
            _end = _buffer.Length;
        }
    }

    /// <summary>Bytes not read yet.</summary>
    public int Remaining => _end - _position;

    /// <summary>A zig-zag LEB128 varint (<see cref="SnapshotWriter.WriteVar"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long ReadVar()
    {
        ulong z;
        int at = _position;
        if ((uint)at < (uint)_end && _buffer[at] < 0x80)
        {
            z = _buffer[at];
            _position = at + 1;
        }
        else z = ReadVarSlow();
        return (long)(z >> 1) ^ -(long)(z & 1);
    }

    // BinaryReader.Read7BitEncodedInt64's rule: up to nine 7-bit groups, then a tenth byte of at most 1.
    private ulong ReadVarSlow()
    {
        int at = _position;
        ulong result = 0;
        if (_end - at >= SnapshotWriter.MaxVarBytes)
        {
            ref byte src = ref MemoryMarshal.GetArrayDataReference(_buffer); // at + 10 ≤ _end ≤ the array's length
            for (int shift = 0; shift < 63; shift += 7)
            {
                byte b = Unsafe.Add(ref src, at++);
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) { _position = at; return result; }
            }
            byte top = Unsafe.Add(ref src, at++);
            if (top > 1) throw new FormatException("a varint of more than 64 bits");
            _position = at;
            return result | (ulong)top << 63;
        }
        for (int shift = 0; shift < 63; shift += 7)
        {
            byte b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        byte last = ReadByte();
        if (last > 1) throw new FormatException("a varint of more than 64 bits");
        return result | (ulong)last << 63;
    }

    /// <summary>A varint count in [0, <paramref name="max"/>]: a corrupt count fails here instead of allocating.</summary>
    public int ReadCount(int max, string what)
    {
        long n = ReadVar();
        if (n < 0 || n > max) throw new InvalidDataException($"{what}: count {n} out of range 0..{max}");
        return (int)n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte ReadByte()
    {
        int at = _position;
        if ((uint)at >= (uint)_end) throw Truncated(1);
        _position = at + 1;
        return _buffer[at];
    }

    public sbyte ReadSByte() => (sbyte)ReadByte();
    public bool ReadBoolean() => ReadByte() != 0;
    public short ReadInt16() => BinaryPrimitives.ReadInt16LittleEndian(Take(2));
    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));
    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));
    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
    public float ReadSingle() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));
    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    /// <summary>What <see cref="SnapshotWriter.WriteInt128"/> wrote.</summary>
    public Int128 ReadInt128()
    {
        var span = Take(16);
        return new Int128(BinaryPrimitives.ReadUInt64LittleEndian(span[8..]), BinaryPrimitives.ReadUInt64LittleEndian(span));
    }

    /// <summary>The next <paramref name="bytes"/> bytes, in place (fixed-width groups and bulk copies).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Take(int bytes)
    {
        int at = _position;
        if (bytes < 0 || _end - at < bytes) throw Truncated(bytes);
        _position = at + bytes;
        return new ReadOnlySpan<byte>(_buffer, at, bytes);
    }

    private EndOfStreamException Truncated(int bytes) => new($"{bytes} byte(s) needed, {Remaining} left");
}
