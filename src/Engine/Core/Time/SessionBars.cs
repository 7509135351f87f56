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
