namespace Sig.Factors.Output;

/// <summary>
/// Walks the rows of a `factors.snapshot` payload in symbol order: each <see cref="Next"/> is the
/// text between one row's brackets, the symbol's values as the payload writes them
/// (comma-separated round-trip numbers and nulls). The publisher copies them into the
/// per-symbol intraday payloads instead of formatting the numbers again
/// (<see cref="FactorPayloads.Intraday(FactorSnapshot, int, ReadOnlySpan{byte})"/>).
/// </summary>
public ref struct SnapshotPayloadRows
{
    private ReadOnlySpan<byte> _payload;
    private int _at;

    /// <param name="payload">A snapshot or daily payload as <see cref="SnapshotPayloadWriter"/> writes it.</param>
    /// <exception cref="FormatException">It has no values array.</exception>
    public SnapshotPayloadRows(ReadOnlySpan<byte> payload)
    {
        // The names before it are factor names and symbol codes: this key occurs once.
        ReadOnlySpan<byte> key = "\"values\":["u8;
        int at = payload.IndexOf(key);
        if (at < 0) throw new FormatException("the payload has no \"values\" array");
        _payload = payload;
        _at = at + key.Length;
    }

    /// <summary>Continues a walk of <paramref name="payload"/> at <paramref name="position"/> (a <see cref="Position"/> it reached).</summary>
    public SnapshotPayloadRows(ReadOnlySpan<byte> payload, int position)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)position, (uint)payload.Length, nameof(position));
        _payload = payload;
        _at = position;
    }

    /// <summary>Where the next row starts (a walk can be continued from it, e.g. across an await).</summary>
    public readonly int Position => _at;

    /// <summary>The next row's text, without its brackets.</summary>
    /// <exception cref="FormatException">No row follows.</exception>
    public ReadOnlySpan<byte> Next()
    {
        var rest = _payload[_at..];
        if (rest.Length == 0 || rest[0] != (byte)'[') throw new FormatException("the payload has no further row");
        int end = rest.IndexOf((byte)']');
        if (end < 0) throw new FormatException("a row of the payload is not closed");
        _at += end + 1;
        if (_at < _payload.Length && _payload[_at] == (byte)',') _at++;
        return rest[1..end];
    }
}
