using System.Buffers.Binary;
using System.IO.Compression;

namespace Sig.Replay.Csv;

/// <summary>
/// A gzip file decompressed with its integrity checked, so a damaged file fails instead of
/// reading shorter: the deflate data must decode (a damaged stream is reported as corruption,
/// not as zlib's "unsupported compression method"), and at the end the file's trailer — the
/// CRC-32 and length (mod 2³²) of the uncompressed data — must match what was read. A file cut
/// anywhere, even at a flush point where the deflate data still decodes, ends without its trailer
/// and fails that check. The trailer covers one member, so a file of several concatenated gzip
/// members is refused (gzip, pigz and this engine's export write one).
/// </summary>
internal sealed class VerifiedGzipStream : Stream
{
    private const int HeaderBytes = 10, TrailerBytes = 8;

    private readonly FileStream _file;
    private readonly GZipStream _gzip;
    private uint _crc = 0xFFFFFFFF;
    private long _length;
    private bool _checked;

    public VerifiedGzipStream(FileStream file)
    {
        _file = file;
        Span<byte> header = stackalloc byte[HeaderBytes];
        int got = RandomAccess.Read(file.SafeFileHandle, header, 0);
        if (got < HeaderBytes || file.Length < HeaderBytes + TrailerBytes)
            throw new InvalidDataException($"truncated gzip file: {file.Length} bytes, too short for a gzip header and trailer");
        if (header[2] != 8) throw new InvalidDataException($"gzip compression method {header[2]} is not deflate (8)");
        _gzip = new GZipStream(file, CompressionMode.Decompress);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n;
        try
        {
            n = _gzip.Read(buffer);
        }
        catch (InvalidDataException)
        {
            // zlib's words for a bad block or a bad member checksum are misleading ("unsupported compression method").
            throw new InvalidDataException($"corrupt gzip data: the compressed stream is damaged after {_length:N0} uncompressed bytes");
        }
        if (n == 0) { CheckTrailer(); return 0; }
        _crc = Crc32.Append(_crc, buffer[..n]);
        _length += n;
        return n;
    }

    private void CheckTrailer()
    {
        if (_checked) return;
        Span<byte> trailer = stackalloc byte[TrailerBytes];
        RandomAccess.Read(_file.SafeFileHandle, trailer, _file.Length - TrailerBytes);
        uint crc = _crc ^ 0xFFFFFFFF;
        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        uint storedLength = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        if (storedCrc != crc || storedLength != (uint)_length)
            throw new InvalidDataException(
                $"truncated or corrupt gzip file: it ends without a trailer matching the data read ({_length:N0} bytes, CRC-32 {crc:X8}; "
                + $"the last 8 bytes say CRC-32 {storedCrc:X8}, length {storedLength:N0}); a file of several concatenated gzip members is not supported");
        _checked = true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _gzip.Dispose();
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>CRC-32 (IEEE 802.3, reflected 0xEDB88320), as gzip's trailer uses; the caller pre- and post-inverts.</summary>
    private static class Crc32
    {
        private static readonly uint[] Table = Build();

        private static uint[] Build()
        {
            var t = new uint[256];
            for (uint i = 0; i < 256; i++)
            {
                uint c = i;
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
                t[i] = c;
            }
            return t;
        }

        public static uint Append(uint crc, ReadOnlySpan<byte> data)
        {
            foreach (byte b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            return crc;
        }
    }
}
