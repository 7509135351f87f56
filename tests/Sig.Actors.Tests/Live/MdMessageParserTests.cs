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

/// <summary>The parser under the partitioned md input: mapped subjects, forged partition tokens, and the control decisions every shard takes alike.</summary>
public class PartitionedMdParserTests
{
    private const string Header = "date,symbol,preclose,adj_factor,industry,total_shares,float_shares,is_st,limit_up,limit_down";
    private readonly MarketSubjects _subjects = new();
    private readonly MdPartitions _partitions = new(3);

    private static List<MarketInput> Parse(MdMessageParser parser, string subject, string text, ulong seq = 1)
    {
        var output = new List<MarketInput>();
        parser.Parse(subject, Encoding.ASCII.GetBytes(text), seq, output);
        return output;
    }

    private MdMessageParser Opened(LiveOptions? options = null)
    {
        var parser = new MdMessageParser(_subjects, options) { Partitions = _partitions };
        Parse(parser, _subjects.MdRef, Header + "\n2024-03-04,600000.SH,10.00,1,Bank,1000000,800000,0,11.00,9.00\n2024-03-04,000001.SZ,10.00,1,Bank,1000000,800000,0,11.00,9.00");
        return parser;
    }

    [Fact]
    public void A_mapped_subject_is_read_as_its_symbol_and_a_wrong_partition_token_is_refused()
    {
        var parser = Opened();
        int p = _partitions.OfSymbol("600000.SH");
        Assert.Equal(2, p); // checked against nats-server (MdPartitionsServerTests)
        var ticks = Parse(parser, $"{_subjects.MdOrder("600000.SH")}.{p}", "2024-03-04,600000.SH,93000000,1,11,B,10.00,100,L").Single();
        Assert.Equal(MarketInputKind.Ticks, ticks.Kind);
        var forged = Parse(parser, $"{_subjects.MdOrder("600000.SH")}.{(p + 1) % 3}", "2024-03-04,600000.SH,93000100,2,13,B,10.00,100,L\n2024-03-04,600000.SH,93000200,3,15,B,10.00,100,L").Single();
        Assert.Equal(MarketInputKind.Rejected, forged.Kind);
        Assert.Equal(2, forged.Reject!.Rows);
        Assert.StartsWith("partition token 0 is not the symbol's partition 2", forged.Reject.Reason);
        // The unmapped subject (a nats-server without the mapping) still reads.
        Assert.Equal(MarketInputKind.Ticks, Parse(parser, _subjects.MdOrder("600000.SH"), "2024-03-04,600000.SH,93000300,4,17,B,10.00,100,L").Single().Kind);
    }

    [Fact]
    public void Without_partitions_a_mapped_subject_is_not_a_symbol()
    {
        var parser = new MdMessageParser(_subjects);
        Parse(parser, _subjects.MdRef, Header + "\n2024-03-04,600000.SH,10.00,1,Bank,1000000,800000,0,11.00,9.00");
        var refused = Parse(parser, $"{_subjects.MdOrder("600000.SH")}.2", "2024-03-04,600000.SH,93000000,1,11,B,10.00,100,L").Single();
        Assert.Equal(MarketInputKind.Rejected, refused.Kind);
    }

    [Fact]
    public void Clock_jumps_and_the_open_follow_the_control_messages_only()
    {
        var parser = Opened(new LiveOptions { MaxClockJumpSeconds = 60 });
        // Rows of the shard's partition reach 09:40; a clock of 09:35 is still a jump from the open (no clock yet),
        // since another shard, whose partition had no rows, decides from the clocks alone.
        Assert.Equal(MarketInputKind.Ticks, Parse(parser, $"{_subjects.MdOrder("600000.SH")}.2", "2024-03-04,600000.SH,94000000,1,11,B,10.00,100,L").Single().Kind);
        Assert.Equal(MarketInputKind.Rejected, Parse(parser, _subjects.MdClock, "{\"v\":1,\"date\":\"2024-03-04\",\"time\":93500000}").Single().Kind);
        // Rows did not open the session: a second reference before the first clock extends the universe.
        var more = Parse(parser, _subjects.MdRef, Header + "\n2024-03-04,000002.SZ,10.00,1,Bank,1000000,800000,0,11.00,9.00").Single();
        Assert.Equal(MarketInputKind.DayStart, more.Kind);
        Assert.Equal(3, more.Symbols.Length);
    }
}
