namespace Sig.Engine.Persistence;

/// <summary>
/// A write-only, growable, reusable byte buffer to encode snapshots into
/// (<see cref="SnapshotEnvelope.Frame"/>). The state codecs write through a
/// <see cref="BinaryWriter"/>, which hands every varint byte to its stream one call at a time;
/// this stream's <see cref="WriteByte"/> is a bounds check and a store (a <see cref="MemoryStream"/>
/// also checks open, writable, position against length and zero-fills gaps on every call), and the
/// storage is kept between snapshots so a writer grows it to the largest snapshot once instead of
/// allocating and copying a new large-object-heap buffer per snapshot.
/// </summary>
public sealed class SnapshotBuffer : Stream
{
    private byte[] _buffer;
    private int _length;

    /// <summary>An empty buffer of <paramref name="capacity"/> bytes to start with.</summary>
    public SnapshotBuffer(int capacity = 4096) => _buffer = new byte[Math.Max(16, capacity)];

    /// <summary>The bytes written since the last <see cref="Reset"/>.</summary>
    public Span<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>Forgets the bytes written; the storage is kept.</summary>
    public void Reset() => _length = 0;

    public override void WriteByte(byte value)
    {
        if (_length == _buffer.Length) Grow(1);
        _buffer[_length++] = value;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length > _buffer.Length - _length) Grow(buffer.Length);
        buffer.CopyTo(_buffer.AsSpan(_length));
        _length += buffer.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    private void Grow(int more)
    {
        long needed = (long)_length + more;
        if (needed > Array.MaxLength) throw new InvalidDataException($"snapshot of more than {Array.MaxLength} bytes");
        long size = Math.Min(Array.MaxLength, Math.Max(needed, 2L * _buffer.Length));
        Array.Resize(ref _buffer, (int)size);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException("a snapshot buffer is written front to back");
    }

    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
