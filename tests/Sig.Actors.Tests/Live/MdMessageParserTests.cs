using System.Text;
using Sig.Actors.Live;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Nats;
using Xunit;

namespace Sig.Actors.Tests.Live;

public class MdMessageParserTests
{
    private const string Header = "date,symbol,preclose,adj_factor,industry,total_shares,float_shares,is_st,limit_up,limit_down";
    private readonly MarketSubjects _subjects = new();
    private readonly MdMessageParser _parser;

    // These tests are about references, clocks and rows; the jump bounds have their own (MdInputHardeningTests).
    public MdMessageParserTests() => _parser = new MdMessageParser(_subjects, new LiveOptions { MaxClockJumpSeconds = 0 });

    private static string Clock(int time, string date = "2024-03-04") => $"{{\"v\":1,\"date\":\"{date}\",\"time\":{time}}}";

    private static string Ref(string date, string symbol) => $"{date},{symbol},10.00,1,Bank,1000000,800000,0,11.00,9.00";

    private List<MarketInput> Parse(string subject, string text, ulong seq = 1)
    {
        var output = new List<MarketInput>();
        _parser.Parse(subject, Encoding.ASCII.GetBytes(text), seq, output);
        return output;
    }

    [Fact]
    public void A_second_reference_before_the_open_extends_the_universe_and_one_after_it_is_rejected()
    {
        var first = Parse(_subjects.MdRef, Header + "\n" + Ref("2024-03-04", "600000.SH")).Single();
        Assert.Equal(MarketInputKind.DayStart, first.Kind);
        var second = Parse(_subjects.MdRef, Header + "\n" + Ref("2024-03-04", "000001.SZ")).Single();
        Assert.Equal(["000001.SZ", "600000.SH"], second.Symbols.Select(s => s.ToString()));
        Assert.Equal(MarketInputKind.Clock, Parse(_subjects.MdClock, "{\"v\":1,\"date\":\"2024-03-04\",\"time\":93000000}").Single().Kind);
        var late = Parse(_subjects.MdRef, Header + "\n" + Ref("2024-03-04", "000002.SZ")).Single();
        Assert.Equal(MarketInputKind.Rejected, late.Kind);
        Assert.Equal("reference after the session opened", late.Reject!.Reason);
        Assert.Equal(0, late.Reject.Line);
        // The next session starts afresh once this one has closed.
        Assert.Equal(MarketInputKind.Clock, Parse(_subjects.MdClock, Clock(150000001)).Single().Kind); // no jump bound in these tests
        Assert.Equal(240, _parser.ClosedMinutes);
        var next = Parse(_subjects.MdRef, Header + "\n" + Ref("2024-03-05", "000002.SZ")).Single();
        Assert.Equal(MarketInputKind.DayStart, next.Kind);
        Assert.Equal(new DateOnly(2024, 3, 5), _parser.Date);
        Assert.Equal(0, _parser.ClosedMinutes);
    }

    [Fact]
    public void Clocks_close_minutes_repeats_say_nothing_and_foreign_or_malformed_clocks_are_rejected()
    {
        Parse(_subjects.MdRef, Header + "\n" + Ref("2024-03-04", "600000.SH"));
        Assert.Single(Parse(_subjects.MdClock, "{\"v\":1,\"date\":\"2024-03-04\",\"time\":93200000}"));
        Assert.Equal(2, _parser.ClosedMinutes);
        Assert.Empty(Parse(_subjects.MdClock, "{\"v\":1,\"date\":\"2024-03-04\",\"time\":93100000}"));  // older: nothing new
        Assert.Equal(MarketInputKind.Rejected, Parse(_subjects.MdClock, "{\"v\":1,\"date\":\"2024-03-05\",\"time\":93300000}").Single().Kind);
        Assert.Equal(MarketInputKind.Rejected, Parse(_subjects.MdClock, "{\"v\":2,\"date\":\"2024-03-04\",\"time\":93300000}").Single().Kind);
        Assert.Equal(MarketInputKind.Rejected, Parse(_subjects.MdClock, "not json").Single().Kind);
        Assert.Equal(MarketInputKind.Rejected, Parse("sig.md.other", "x").Single().Kind);
    }

    [Fact]
    public void Rows_before_any_reference_and_good_rows_become_one_tick_input_per_message()
    {
        var before = Parse(_subjects.MdOrder("600000.SH"), "2024-03-04,600000.SH,93000000,1,11,B,10.00,100,L").Single();
        Assert.Equal("no reference received for the session yet", before.Reject!.Reason);
        Parse(_subjects.MdRef, Header + "\n" + Ref("2024-03-04", "600000.SH"));
        var inputs = Parse(_subjects.MdOrder("600000.SH"),
            "2024-03-04,600000.SH,93000000,1,11,B,10.00,100,L\r\n\n2024-03-04,600000.SH,93000100,2,12,S,10.01,200,L\n", seq: 9);
        var ticks = inputs.Single();
        Assert.Equal(MarketInputKind.Ticks, ticks.Kind);
        Assert.Equal(2, ticks.Events.Length);
        Assert.Equal(9UL, ticks.SourceSeq);
        Assert.Equal([1L, 2L], ticks.Events.ToArray().Select(e => e.Seq));
    }
}
