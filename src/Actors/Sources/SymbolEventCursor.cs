using Sig.Engine.Events;

namespace Sig.Actors.Sources;

/// <summary>
/// Reads one symbol's stored events in small chunks so a full-market day is never loaded at
/// once (a symbol's columns are read 256 rows at a time, so a minute of a full market touches
/// each symbol's buffer, not its nine columns in the mapped file); hands out the events of each
/// minute in seq order.
/// </summary>
internal sealed class SymbolEventCursor
{
    private readonly TickEvent[] _buffer;
    private IDayEvents? _day;
    private int _symbol, _offset, _count, _pos, _len;

    public SymbolEventCursor(int chunk) => _buffer = new TickEvent[chunk];

    public void Reset(IDayEvents day, int symbol)
    {
        _day = day; _symbol = symbol; _offset = 0; _count = day.EventCount(symbol); _pos = _len = 0;
    }

    /// <summary>
    /// The next run of events stamped before <paramref name="close"/> (HHMMSSmmm; a minute's close
    /// time: exactly the events whose bar is at most that minute), empty when none is left.
    /// </summary>
    public ReadOnlySpan<TickEvent> Next(int close)
    {
        if (_pos == _len)
        {
            int n = Math.Min(_buffer.Length, _count - _offset);
            if (n == 0) return default;
            _day!.ReadEvents(_symbol, _offset, _buffer.AsSpan(0, n));
            _offset += n; _pos = 0; _len = n;
        }
        int start = _pos;
        while (_pos < _len && _buffer[_pos].Time < close) _pos++;
        return _buffer.AsSpan(start, _pos - start);
    }
}
