using Sig.Engine.Nats;
using Sig.Engine.Time;

namespace Sig.Actors.Tests.Live;

/// <summary>A small clean trading day as md messages (what a feed would publish), for live tests that add forgeries to it.</summary>
public static class LiveDayKit
{
    public const string RefHeader = "date,symbol,preclose,adj_factor,industry,total_shares,float_shares,is_st,limit_up,limit_down";
    public static readonly string[] Symbols = ["000001.SZ", "600000.SH"];

    public static string Trade(string symbol, int time, long seq, int minute, string date = "2024-03-04") =>
        $"{date},{symbol},{time},{seq},{10 + minute % 17 / 100.0:0.00},{100 + minute},{seq},{seq + 1},{(minute % 2 == 0 ? 'B' : 'S')},F";

    public static string Clock(int time) => $"{{\"v\":1,\"date\":\"2024-03-04\",\"time\":{time}}}";

    /// <summary>The reference, then per minute one trade per symbol and the clock that closes the minute: minute m's clock is message 3m.</summary>
    public static List<(string Subject, string Payload)> CleanDay(MarketSubjects subjects)
    {
        var day = new List<(string, string)> { (subjects.MdRef, RefHeader + "\n" + string.Join('\n', Symbols.Select(s => $"2024-03-04,{s},10.00,1,Bank,1000000,800000,0,11.00,9.00"))) };
        for (int minute = 1; minute <= SessionBars.BarsPerDay; minute++)
        {
            int time = minute == SessionBars.BarsPerDay ? ExchangeTime.SessionClose : SessionBars.StartTimeOf(minute) + 1000;
            foreach (var s in Symbols) day.Add((subjects.MdTrade(s), Trade(s, time, 100 + minute, minute)));
            day.Add((subjects.MdClock, Clock(SessionBars.CloseTimeOf(minute))));
        }
        return day;
    }
}
