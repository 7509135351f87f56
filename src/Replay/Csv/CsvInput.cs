using System.Text;

namespace Sig.Replay.Csv;

/// <summary>
/// Reads a CSV file line by line into a reused buffer (no string per line), plain or gzip —
/// gzip is recognized by its magic bytes, so a misnamed file still reads. Lines end at '\n';
/// a trailing '\r' is dropped; a UTF-8 byte-order mark is skipped. A gzip file is verified to its
/// trailer (<see cref="VerifiedGzipStream"/>); a line longer than <see cref="MaxLineChars"/> ends
/// the read (a binary file or a file without newlines is not a CSV, and is not buffered whole).
/// </summary>
public sealed class CsvLineReader : IDisposable
{
    /// <summary>The longest line accepted (a canonical row is under 200 characters; a reference row with many weights under 10,000).</summary>
    public const int MaxLineChars = 1 << 20;

    private readonly FileStream _file;
    private readonly TextReader _text;
    private char[] _buffer = new char[1 << 16];
    private int _start, _end;
    private bool _eof;

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Compressed bytes consumed so far over the file size: progress in [0,1].</summary>
    public double Progress => _file.Length == 0 ? 1 : (double)_file.Position / _file.Length;

    public long FileBytes => _file.Length;

    public CsvLineReader(string path)
    {
        _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> magic = stackalloc byte[2];
        int got = _file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        _file.Position = 0;
        bool gzip = got == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        Stream s;
        try
        {
            s = gzip ? new VerifiedGzipStream(_file) : _file;
        }
        catch
        {
            _file.Dispose();
            throw;
        }
        _text = new StreamReader(s, new UTF8Encoding(false, throwOnInvalidBytes: false), detectEncodingFromByteOrderMarks: true, 1 << 16);
    }

    /// <summary>The next line (valid until the next call); false at the end of the file.</summary>
    public bool TryReadLine(out ReadOnlySpan<char> line)
    {
        while (true)
        {
            int nl = Array.IndexOf(_buffer, '\n', _start, _end - _start);
            if (nl >= 0)
            {
                line = Trim(_buffer.AsSpan(_start, nl - _start));
                _start = nl + 1;
                LineNumber++;
                return true;
            }
            if (_eof)
            {
                if (_start == _end) { line = default; return false; }
                line = Trim(_buffer.AsSpan(_start, _end - _start));
                _start = _end;
                LineNumber++;
                return true;
            }
            Fill();
        }
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= MaxLineChars)
                throw new InvalidDataException($"line {LineNumber + 1} is longer than {MaxLineChars:N0} characters: not a CSV text file");
            Array.Resize(ref _buffer, _buffer.Length * 2); // a line longer than the buffer
        }
        int n = _text.Read(_buffer, _end, _buffer.Length - _end);
        if (n == 0) _eof = true; else _end += n;
    }

    private static ReadOnlySpan<char> Trim(ReadOnlySpan<char> s) => s.Length > 0 && s[^1] == '\r' ? s[..^1] : s;

    public void Dispose() => _text.Dispose();
}
