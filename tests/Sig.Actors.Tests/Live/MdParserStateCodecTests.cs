using System.Security.Cryptography;
using System.Text;
using Sig.Actors.Live;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Journal;
using Sig.Engine.Nats;
using Sig.Engine.Time;
using Sig.Replay.Feed;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Actors.Tests.Live;

/// <summary>
/// The md parser's state codec: a parser read back from its bytes decides the rest of the day exactly as the parser it
/// was written from (every input, reject and counter), whatever the cut point; a parser that only observed the
/// inputs writes the same bytes as the parser that parsed them; the format is pinned; bad bytes are refused.
/// </summary>
public sealed class MdParserStateCodecTests : IDisposable
{
    private readonly MarketSubjects _subjects = new();
    private readonly string _root = Directory.CreateTempSubdirectory("md-parser-state-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_restored_parser_decides_the_rest_of_the_day_as_the_original_at_random_cut_points()
    {
        var day = ForgedDay(seed: 7);
        var random = new Random(2024);
        int[] cuts = [.. Enumerable.Range(0, 6).Select(_ => random.Next(1, day.Count)).Append(1).Append(day.Count - 1).Distinct().Order()];
        foreach (int cut in cuts)
        {
            var original = new MdMessageParser(_subjects, new LiveOptions());
            var follower = new MdMessageParser(_subjects, new LiveOptions(), original.References);
            for (int i = 0; i < cut; i++)
                foreach (var input in Parse(original, day[i], i + 1)) follower.Observe(input);

            byte[] state = MdParserStateCodec.Encode(original);
            Assert.Equal(state, MdParserStateCodec.Encode(follower)); // observing the inputs builds the same state as parsing them
            var restored = MdParserStateCodec.Decode(state, _subjects, new LiveOptions());
            Assert.Equal(state, MdParserStateCodec.Encode(restored));

            for (int i = cut; i < day.Count; i++)
            {
                var expected = Parse(original, day[i], i + 1);
                var actual = Parse(restored, day[i], i + 1);
                Assert.Equal(expected.Select(Bytes), actual.Select(Bytes));
                Assert.Equal(original.Rejects, restored.Rejects);
                Assert.Equal(original.ClosedMinutes, restored.ClosedMinutes);
            }
            Assert.Equal(original.Date, restored.Date);
            Assert.Equal(MdParserStateCodec.Encode(original), MdParserStateCodec.Encode(restored));
            Assert.Equal(ReferenceBytes(original), ReferenceBytes(restored));
        }
    }

    [Fact]
    public void The_format_is_pinned()
    {
        var parser = new MdMessageParser(_subjects, new LiveOptions());
        var output = new List<MarketInput>();
        void Feed(string subject, string text, ulong seq) => parser.Parse(subject, Encoding.ASCII.GetBytes(text), seq, output);
        Feed(_subjects.MdRef, "date,symbol,preclose,adj_factor,industry,total_shares,float_shares,is_st,limit_up,limit_down,csi500_weight,list_date\n"
            + "2024-03-04,600000.SH,10.00,1.5,Bank,1000000,800000,0,11.00,9.00,0.25,2001-01-02\n2024-03-04,000001.SZ,12.34,1,Bank,2000000,900000,1,12.95,11.73,0.1,2005-06-07", 1);
        Feed(_subjects.MdTrade("000001.SZ"), LiveDayKit.Trade("000001.SZ", 93000500, 5, 1), 2);
        Feed(_subjects.MdTrade("600000.SH"), "garbage", 3);
        Feed(_subjects.MdClock, LiveDayKit.Clock(93100000), 4);
        Assert.Equal(4, output.Count);

        byte[] bytes = MdParserStateCodec.Encode(parser);
        Assert.Equal(PinnedLength, bytes.Length);
        Assert.Equal(PinnedSha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        var back = MdParserStateCodec.Decode(bytes, _subjects, new LiveOptions());
        Assert.Equal(["000001.SZ", "600000.SH"], back.Universe.Select(s => s.ToString()));
        Assert.Equal(new RejectCounters(1, 1, 1, 0), back.Rejects);
        Assert.Equal(1, back.ClosedMinutes);
        var reference = back.References.ReferenceOf(new DateOnly(2024, 3, 4))!;
        Assert.Equal(["csi500_weight"], reference.WeightColumns);
        Assert.Equal([0.25], reference.Rows.Single(r => r.Symbol.ToString() == "600000.SH").Weights);
    }

    // The bytes of the state above in format version 1 (docs/cluster.md, "The md parser's state"): a change of the
    // layout must change MdParserStateCodec.Version, and these pins with it.
    private const int PinnedLength = 356;
    private const string PinnedSha256 = "6b30d40e0c9e5d460c04597c7882edadccd41ff84f4e1d53f187ef0b4911703e";

    [Fact]
    public void Corrupt_foreign_or_differently_configured_bytes_are_refused_with_a_reason()
    {
        var parser = new MdMessageParser(_subjects, new LiveOptions());
        var output = new List<MarketInput>();
        parser.Parse(_subjects.MdRef, Encoding.ASCII.GetBytes(LiveDayKit.RefHeader + "\n2024-03-04,600000.SH,10.00,1,Bank,1000000,800000,0,11.00,9.00"), 1, output);
        byte[] bytes = MdParserStateCodec.Encode(parser);

        var flipped = (byte[])bytes.Clone();
        flipped[flipped.Length / 2] ^= 0x10;
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => MdParserStateCodec.Decode(flipped, _subjects)).Message);
        Assert.Contains("bytes", Assert.Throws<InvalidDataException>(() => MdParserStateCodec.Decode(bytes[..^5], _subjects)).Message);
        Assert.Contains("prefix", Assert.Throws<InvalidDataException>(() => MdParserStateCodec.Decode(bytes, new MarketSubjects("other"))).Message);
        Assert.Contains("seq jump", Assert.Throws<InvalidDataException>(() => MdParserStateCodec.Decode(bytes, _subjects, new LiveOptions { MaxSeqJump = 5 })).Message);
        var shard = Sig.Engine.Persistence.SnapshotEnvelope.Wrap(Sig.Engine.Persistence.SnapshotKind.Shard, MdParserStateCodec.Version, [1, 2, 3]);
        Assert.Contains("expected", Assert.Throws<InvalidDataException>(() => MdParserStateCodec.Decode(shard, _subjects)).Message);
    }

    private List<MarketInput> Parse(MdMessageParser parser, (string Subject, byte[] Payload) message, int seq)
    {
        var output = new List<MarketInput>();
        parser.Parse(message.Subject, message.Payload, (ulong)seq, output);
        return output;
    }

    /// <summary>An input as the journal writes it: every field of it, rejects included.</summary>
    private static string Bytes(MarketInput input) => $"{MarketJournalCodec.TypeOf(input)}:{Convert.ToHexString(MarketJournalCodec.Encode(input))}";

    private static string ReferenceBytes(MdMessageParser parser) =>
        string.Join("\n", parser.References.ReferenceOf(parser.Date)!.Rows.Select(r => $"{r with { Weights = [] }} {string.Join(",", r.Weights)}"));

    /// <summary>
    /// A generated day's md messages with forgeries spread over it: garbage rows in bursts over the per-subject reject
    /// limit, repeated messages (duplicate seqs), rows of unknown symbols, late rows, clocks of another day or too far
    /// ahead, a reference for the next day mid-session. Every decision of the parser's state shows up somewhere.
    /// </summary>
    private List<(string Subject, byte[] Payload)> ForgedDay(int seed)
    {
        string store = Path.Combine(_root, "store");
        using (var sink = new TickStoreWriter(store))
            new MarketGenerator(new GeneratorSettings { Stocks = 6, Days = 1, EventsPerStockDay = 300, Seed = (ulong)seed }).Generate(sink);
        var ticks = TickStore.Open(store);
        using var tickDay = ticks.OpenDay(ticks.Dates[0]);
        var clean = DayFeedPlan.For(tickDay, (ulong)seed, subjects: _subjects).Select(m => (m.Subject, m.Payload)).ToList();
        string date = ticks.Dates[0].ToString("yyyy-MM-dd");
        string next = ticks.Dates[0].AddDays(1).ToString("yyyy-MM-dd");
        var random = new Random(seed);
        var day = new List<(string Subject, byte[] Payload)>();
        var trades = clean.Where(m => m.Subject.StartsWith(_subjects.MdTradePrefix, StringComparison.Ordinal)).ToList();
        foreach (var message in clean)
        {
            day.Add(message);
            if (day.Count < 3 || random.Next(40) != 0) continue;
            var earlier = trades[random.Next(trades.Count)];
            switch (random.Next(7))
            {
                case 0: for (int k = random.Next(1, 15); k > 0; k--) day.Add((earlier.Subject, "not,a,row"u8.ToArray())); break;
                case 1: day.Add(earlier); break;
                case 2: day.Add((_subjects.MdTrade("999999.SZ"), Encoding.ASCII.GetBytes(LiveDayKit.Trade("999999.SZ", 100000000, 1, 5, date)))); break;
                case 3: day.Add((earlier.Subject, Encoding.ASCII.GetBytes(LiveDayKit.Trade(Symbol(earlier.Subject), 93000100, 1 << 40, 1, date)))); break;
                case 4: day.Add((_subjects.MdClock, Encoding.ASCII.GetBytes($"{{\"v\":1,\"date\":\"{next}\",\"time\":100000000}}"))); break;
                case 5: day.Add((_subjects.MdClock, Encoding.ASCII.GetBytes($"{{\"v\":1,\"date\":\"{date}\",\"time\":145900000}}"))); break;
                default: day.Add((_subjects.MdRef, Encoding.ASCII.GetBytes($"{LiveDayKit.RefHeader}\n{next},600000.SH,10.00,1,Bank,1000000,800000,0,11.00,9.00"))); break;
            }
        }
        Assert.True(day.Count > clean.Count + 20, $"{day.Count - clean.Count} forgeries");
        return day;
    }

    private string Symbol(string subject) => MarketSubjects.SymbolOf(subject[_subjects.MdTradePrefix.Length..]);
}
