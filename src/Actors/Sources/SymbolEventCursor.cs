using Sig.Engine.Events;
using Sig.Engine.Time;

namespace Sig.Actors.Sources;

/// <summary>
/// Reads one symbol's stored events in small chunks so a full-market day is never loaded at
/// once; hands out the events of each minute in seq order.
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

    /// <summary>The next run of events whose bar is ≤ <paramref name="minute"/> (empty when none is left).</summary>
    public ReadOnlySpan<TickEvent> Next(int minute)
    {
        if (_pos == _len)
        {
            int n = Math.Min(_buffer.Length, _count - _offset);
            if (n == 0) return default;
            _day!.ReadEvents(_symbol, _offset, _buffer.AsSpan(0, n));
            _offset += n; _pos = 0; _len = n;
        }
        int start = _pos;
        while (_pos < _len && SessionBars.BarOf(_buffer[_pos].Time) <= minute) _pos++;
        return _buffer.AsSpan(start, _pos - start);
    }
}
