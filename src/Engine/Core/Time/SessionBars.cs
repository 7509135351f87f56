namespace Sig.Engine.Time;

/// <summary>
/// The 240 one-minute bars and 8 half hours of an A-share day (docs/events-and-sessions.md): auctions fold into
/// bars 1 and 240, 11:30:00.000 and the lunch break into bar 120.
/// </summary>
public static class SessionBars
{
    public const int BarsPerDay = 240;
    public const int HalfHours = 8;
    public const int BarsPerHalfHour = 30;

    /// <summary>Bar 1..240 of any event time (fills and orders alike).</summary>
    public static int BarOf(int time)
    {
        if (time < 93100000) return 1;
        if (time >= 145900000) return 240;
        if (time >= ExchangeTime.MorningClose && time < ExchangeTime.AfternoonOpen) return 120;
        int minutes = time / 10000000 * 60 + time / 100000 % 100;
        return time < ExchangeTime.MorningClose ? minutes - 570 + 1 : minutes - 780 + 121;
    }

    /// <summary>Half hour 1..8 of bar m: bars 30(h−1)+1 .. 30h.</summary>
    public static int HalfHourOf(int bar) => (bar - 1) / BarsPerHalfHour + 1;

    /// <summary>
    /// The exchange time at which bar m is complete: the start of bar m+1 (bar 120 at 13:00,
    /// since prints stamped in the lunch break belong to it), and for bar 240 one millisecond
    /// after the closing-auction print at 15:00:00.000.
    /// </summary>
    public static int CloseTimeOf(int bar)
    {
        if (bar is < 1 or > BarsPerDay) throw new ArgumentOutOfRangeException(nameof(bar));
        if (bar == BarsPerDay) return ExchangeTime.SessionClose + 1;
        if (bar == 120) return ExchangeTime.AfternoonOpen;
        int minutes = bar < 120 ? 570 + bar : 780 + bar - 120; // start minute of bar m+1
        return minutes / 60 * 10000000 + minutes % 60 * 100000;
    }

    /// <summary>Start time of bar m (bar 1: 09:30:00.000, bar 121: 13:00:00.000).</summary>
    public static int StartTimeOf(int bar)
    {
        if (bar is < 1 or > BarsPerDay) throw new ArgumentOutOfRangeException(nameof(bar));
        int minutes = bar <= 120 ? 570 + bar - 1 : 780 + bar - 121;
        return minutes / 60 * 10000000 + minutes % 60 * 100000;
    }

    /// <summary>Number of bars complete once exchange time has reached <paramref name="time"/> (0..240).</summary>
    public static int ClosedBarsAt(int time)
    {
        if (time < CloseTimeOf(1)) return 0;
        if (time >= CloseTimeOf(BarsPerDay)) return BarsPerDay;
        return BarOf(time) - 1;
    }
}

/// <summary>
/// <see cref="SessionBars.BarOf"/> with the last clock minute remembered. A bar depends on a time only
/// through its HHMM (every bar boundary — 09:31, 11:30, 13:00, 14:59 — is a minute start), so the
/// events of one minute (a run of a symbol's events, a batch of the open bar) compute it once and
/// then pay a range check. Gives BarOf's value for every int. A mutable struct: keep it in a local
/// or a non-readonly field.
/// </summary>
public struct MinuteBarCache
{
    private const int MinuteSpan = 100000;

    // Every time in [_minuteStart, _minuteStart + MinuteSpan) is in bar _barBelow + 1; stored as
    // bar − 1 so that default (minute [0, MinuteSpan), all in bar 1) is a true entry.
    private int _minuteStart;
    private int _barBelow;

    /// <summary>Bar 1..240 of <paramref name="time"/>, as <see cref="SessionBars.BarOf"/>.</summary>
    public int BarOf(int time)
    {
        if ((ulong)((long)time - _minuteStart) >= MinuteSpan)
        {
            _barBelow = SessionBars.BarOf(time) - 1;
            // For a negative time the range starts above it (and holds bar 1 only, like every time below 09:31).
            _minuteStart = time - time % MinuteSpan;
        }
        return _barBelow + 1;
    }
}
