using System.Text;
using Sig.Actors.Live;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Nats;
using Xunit;

namespace Sig.Actors.Tests.Live;

/// <summary>Forged md messages that used to end or poison the day, each refused by the parser as one counted reject.</summary>
public class MdInputHardeningTests
{
    private const string Header = "date,symbol,preclose,adj_factor,industry,total_shares,float_shares,is_st,limit_up,limit_down";
    private readonly MarketSubjects _subjects = new();

    private static string Ref(string date, string symbol) => $"{date},{symbol},10.00,1,Bank,1000000,800000,0,11.00,9.00";

    private static string Clock(int time, string date = "2024-03-04") => $"{{\"v\":1,\"date\":\"{date}\",\"time\":{time}}}";

    private static string Trade(string symbol, int time, long seq, string date = "2024-03-04") => $"{date},{symbol},{time},{seq},10.01,100,1,2,B,F";

    private static List<MarketInput> Parse(MdMessageParser parser, string subject, string text, ulong seq = 1)
    {
        var output = new List<MarketInput>();
        parser.Parse(subject, Encoding.ASCII.GetBytes(text), seq, output);
        return output;
    }

    private MdMessageParser Opened(LiveOptions limits, params string[] symbols)
    {
        var parser = new MdMessageParser(_subjects, limits);
        Assert.Equal(MarketInputKind.DayStart, Parse(parser, _subjects.MdRef, Header + "\n" + string.Join('\n', symbols.Select(s => Ref("2024-03-04", s)))).Single().Kind);
        return parser;
    }

    [Fact]
    public void A_reference_for_another_date_mid_session_is_one_reject_and_the_day_goes_on()
    {
        var parser = Opened(new LiveOptions(), "000001.SZ", "600000.SH");
        Assert.Equal(MarketInputKind.Clock, Parse(parser, _subjects.MdClock, Clock(93100000)).Single().Kind);
        Assert.Equal(MarketInputKind.Ticks, Parse(parser, _subjects.MdTrade("000001.SZ"), Trade("000001.SZ", 93100500, 1)).Single().Kind);

        // The failure: this used to start 2024-03-05, so every later row of 03-04 was "bad date" and the day never closed.
        var future = Parse(parser, _subjects.MdRef, Header + "\n" + Ref("2024-03-05", "000001.SZ") + "\n" + Ref("2024-03-05", "600000.SH") + "\n" + Ref("2024-03-05", "000002.SZ"));
        var reject = Assert.Single(future);
        Assert.Equal(MarketInputKind.Rejected, reject.Kind);
        Assert.Equal(3, reject.Reject!.Rows);
        Assert.Equal(0, reject.Reject.Line);
        Assert.Contains("not a new day", reject.Reject.Reason);
        var past = Assert.Single(Parse(parser, _subjects.MdRef, Header + "\n" + Ref("2024-03-01", "000001.SZ")));
        Assert.StartsWith("reference for a past session", past.Reject!.Reason);

        Assert.Equal(new DateOnly(2024, 3, 4), parser.Date);
        Assert.Equal(MarketInputKind.Ticks, Parse(parser, _subjects.MdTrade("000001.SZ"), Trade("000001.SZ", 93100900, 2)).Single().Kind);
        Assert.Equal(MarketInputKind.Clock, Parse(parser, _subjects.MdClock, Clock(93200000)).Single().Kind);
        Assert.Equal(new RejectCounters(Messages: 2, Rows: 4, Published: 2, Suppressed: 0), parser.Rejects);
    }

    [Fact]
    public void A_clock_jump_beyond_the_bound_is_rejected_but_lunch_close_and_applied_events_are_not_jumps()
    {
        var parser = Opened(new LiveOptions { MaxClockJumpSeconds = 60 }, "600000.SH");
        MarketInputKind Clocked(int time) => Parse(parser, _subjects.MdClock, Clock(time)).Single().Kind;

        Assert.Equal(MarketInputKind.Clock, Clocked(93000000)); // the pre-open folds away: 09:15 → 09:30 is no jump
        Assert.Equal(MarketInputKind.Clock, Clocked(93100000));
        // The failure: one forged close at minute 1 used to close all 240 minutes.
        var forged = Parse(parser, _subjects.MdClock, Clock(150000001)).Single();
        Assert.Equal(MarketInputKind.Rejected, forged.Kind);
        Assert.StartsWith("clock jump: 15:00:00.001", forged.Reject!.Reason);
        Assert.Equal(1, parser.ClosedMinutes);
        Assert.Equal(MarketInputKind.Rejected, Clocked(93200001));  // 60.001 s: just over
        Assert.Equal(MarketInputKind.Clock, Clocked(93200000));     // 60 s: at the bound
        Assert.Equal(2, parser.ClosedMinutes);

        // Events already accepted move the reference point: the feed's clocks may lag its rows.
        Assert.Equal(MarketInputKind.Ticks, Parse(parser, _subjects.MdTrade("600000.SH"), Trade("600000.SH", 94000000, 1)).Single().Kind);
        Assert.Equal(MarketInputKind.Clock, Clocked(94000500));
        Assert.Equal(10, parser.ClosedMinutes);

        for (int minute = 9 * 60 + 41; minute <= 11 * 60 + 30; minute++) Assert.Equal(MarketInputKind.Clock, Clocked(minute / 60 * 10000000 + minute % 60 * 100000));
        Assert.Equal(MarketInputKind.Clock, Clocked(130000000)); // the lunch break folds away
        for (int minute = 13 * 60 + 1; minute <= 14 * 60 + 57; minute++) Assert.Equal(MarketInputKind.Clock, Clocked(minute / 60 * 10000000 + minute % 60 * 100000));
        Assert.Equal(MarketInputKind.Clock, Clocked(150000001)); // so does the closing call auction
        Assert.Equal(240, parser.ClosedMinutes);
        Assert.Equal(2, parser.Rejects.Messages);
    }

    [Fact]
    public void A_seq_jump_is_rejected_without_moving_the_high_water_mark()
    {
        var parser = Opened(new LiveOptions { MaxSeqJump = 1000 }, "000001.SZ", "600000.SH");
        var first = Parse(parser, _subjects.MdTrade("000001.SZ"), Trade("000001.SZ", 93000100, 10) + "\n" + Trade("000001.SZ", 93000200, 11)).Single();
        Assert.Equal(2, first.Events.Length);

        // A seq past what any feed numbers (9e18) is refused by the row's range check before the jump rule sees it.
        Assert.StartsWith("seq out of range", Parse(parser, _subjects.MdTrade("000001.SZ"), Trade("000001.SZ", 93000250, 9_000_000_000_000_000_000)).Single().Reject!.Reason);
        // The failure: a row with a huge seq used to become the symbol's last seq, so every later row was "decreasing".
        var poisoned = Parse(parser, _subjects.MdTrade("000001.SZ"), Trade("000001.SZ", 93000300, 900_000_000_000_000) + "\n" + Trade("000001.SZ", 93000400, 12));
        Assert.Equal([MarketInputKind.Rejected, MarketInputKind.Ticks], poisoned.Select(i => i.Kind));
        Assert.StartsWith("seq jump: 900000000000000", poisoned[0].Reject!.Reason);
        Assert.Equal(1, poisoned[0].Reject!.Line);
        Assert.Equal([12L], poisoned[1].Events.ToArray().Select(e => e.Seq));
        Assert.Equal(MarketInputKind.Ticks, Parse(parser, _subjects.MdTrade("000001.SZ"), Trade("000001.SZ", 93000500, 1011)).Single().Kind); // 999 past 12
        Assert.Equal(MarketInputKind.Rejected, Parse(parser, _subjects.MdTrade("000001.SZ"), Trade("000001.SZ", 93000600, 2012)).Single().Kind);

        // A symbol's first row of the day is measured from 0.
        Assert.Contains("first row today", Parse(parser, _subjects.MdTrade("600000.SH"), Trade("600000.SH", 93000700, 5000)).Single().Reject!.Reason);
        Assert.Equal(MarketInputKind.Ticks, Parse(parser, _subjects.MdTrade("600000.SH"), Trade("600000.SH", 93000800, 999)).Single().Kind);
    }

    [Fact]
    public void A_message_is_one_reject_however_many_rows_and_publishing_is_rate_limited_per_subject_and_minute()
    {
        var limits = new LiveOptions { RejectsPerSubjectPerMinute = 3 };
        var parser = Opened(limits, "000001.SZ", "600000.SH");
        var inputs = new List<MarketInput>();
        List<MarketInput> Feed(string subject, string text)
        {
            var parsed = Parse(parser, subject, text);
            inputs.AddRange(parsed);
            return parsed;
        }

        // The failure: an 800 KB message of bad rows used to be 20,000 journal records and 20,000 reject messages.
        var big = string.Join('\n', Enumerable.Range(1, 20_000).Select(k => Trade("600000.SH", 93000000, k, date: "2024-03-05")));
        Assert.True(big.Length > 800_000);
        var one = Assert.Single(Feed(_subjects.MdTrade("600000.SH"), big));
        Assert.Equal(20_000, one.Reject!.Rows);
        Assert.Equal(1, one.Reject.Line);
        Assert.StartsWith("bad date", one.Reject.Reason);

        var a = _subjects.MdTrade("000001.SZ");
        var flood = Enumerable.Range(0, 5).Select(_ => Feed(a, "not,a,row").Single().Reject!).ToList();
        Assert.Equal([false, false, false, true, true], flood.Select(r => r.Suppressed));
        Assert.False(Feed(_subjects.MdOrder("000001.SZ"), "x").Single().Reject!.Suppressed); // another subject has its own limit
        Assert.Equal(MarketInputKind.Clock, Feed(_subjects.MdClock, Clock(93100000)).Single().Kind);
        var nextMinute = Feed(a, "not,a,row").Single().Reject!;
        Assert.False(nextMinute.Suppressed);
        Assert.Equal(2, nextMinute.SuppressedBefore); // what was kept off the rejects subject is reported with the next one published

        Assert.Equal(new RejectCounters(Messages: 8, Rows: 20_007, Published: 6, Suppressed: 2), parser.Rejects);

        // Recovery: a parser that observes the journaled inputs has the same counters and decides the next message the same way.
        var recovered = new MdMessageParser(_subjects, limits);
        recovered.Observe(MarketInput.DayStart(new DateOnly(2024, 3, 4), [SymbolCode.Parse("000001.SZ"), SymbolCode.Parse("600000.SH")]));
        foreach (var input in inputs) recovered.Observe(input);
        Assert.Equal(parser.Rejects, recovered.Rejects);
        for (int k = 0; k < 4; k++)
        {
            var original = Parse(parser, a, "bad").Single().Reject!;
            var replayed = Parse(recovered, a, "bad").Single().Reject!;
            Assert.Equal((original.Suppressed, original.SuppressedBefore), (replayed.Suppressed, replayed.SuppressedBefore));
        }
        Assert.Equal(parser.Rejects, recovered.Rejects);
    }
}
