namespace Sig.Engine.Time;

/// <summary>
/// Exchange local times written HHMMSSmmm as an int (09:30:00.120 → 93000120), the way
/// SZSE/SSE level-2 feeds write them, and the A-share session rules of docs/events-and-sessions.md.
/// </summary>
public static class ExchangeTime
{
    public const int OpenAuctionStart = 91500000;
    public const int OpenAuctionPrint = 92500000;
    public const int ContinuousOpen = 93000000;
    public const int MorningClose = 113000000;
    public const int AfternoonOpen = 130000000;
    public const int CloseAuctionStart = 145700000;
    public const int SessionClose = 150000000;

    /// <summary>True when the value is a well-formed HHMMSSmmm clock time.</summary>
    public static bool IsValid(int t)
    {
        if (t < 0) return false;
        int ms = t % 1000, ss = t / 1000 % 100, mm = t / 100000 % 100, hh = t / 10000000;
        return ms < 1000 && ss < 60 && mm < 60 && hh < 24;
    }

    /// <summary>Milliseconds since midnight.</summary>
    public static int ToMillis(int t) =>
        (t / 10000000) * 3_600_000 + (t / 100000 % 100) * 60_000 + (t / 1000 % 100) * 1000 + t % 1000;

    public static int FromMillis(int ms) =>
        ms / 3_600_000 * 10000000 + ms / 60_000 % 60 * 100000 + ms / 1000 % 60 * 1000 + ms % 1000;

    /// <summary>Inside the trading day 09:15:00.000–15:00:00.000 (inclusive), where events are accepted.</summary>
    public static bool InSession(int t) => t >= OpenAuctionStart && t <= SessionClose;

    /// <summary>After 15:00:00.000: after-hours fixed-price prints, skipped (not rejected) on import.</summary>
    public static bool IsAfterHours(int t) => t > SessionClose;

    public static string Format(int t) =>
        $"{t / 10000000:D2}:{t / 100000 % 100:D2}:{t / 1000 % 100:D2}.{t % 1000:D3}";
}
