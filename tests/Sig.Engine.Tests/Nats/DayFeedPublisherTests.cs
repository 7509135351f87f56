using System.Globalization;
using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Sig.Engine.Host;
using Sig.Engine.Nats;
using Sig.Engine.Tests.Host;
using Sig.Replay.Feed;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Engine.Tests.Nats;

/// <summary>`engine feed` against a real nats-server: what lands in SIG_MD, de-duplication, gap detection, core mode, the CLI.</summary>
public class DayFeedPublisherTests(NatsServerFixture server, GeneratedStoreFixture market)
    : IClassFixture<NatsServerFixture>, IClassFixture<GeneratedStoreFixture>
{
    private TickDay OpenDay(int index) => market.Ticks.OpenDay(market.Ticks.Dates[index]);

    private static void AssertSame(IReadOnlyList<FeedMessage> plan, IReadOnlyList<StoredMsg> stored)
    {
        Assert.Equal(plan.Count, stored.Count);
        for (int i = 0; i < plan.Count; i++)
        {
            Assert.Equal(plan[i].Subject, stored[i].Subject);
            Assert.True(plan[i].Payload.AsSpan().SequenceEqual(stored[i].Data), $"payload of message {i}");
            Assert.Equal(plan[i].MsgId, stored[i].MsgId);
        }
    }

    private static async Task<long> StoredCountAsync(NatsConnection nats) =>
        (await new NatsJSContext(nats).GetStreamAsync(MarketSubjects.MdStream)).Info.State.Messages;

    [Fact]
    public async Task The_stream_holds_exactly_the_plan_in_order_and_a_second_run_is_deduplicated()
    {
        await using var nats = await server.ConnectAsync();
        await NatsTestKit.DeleteStreamAsync(nats, MarketSubjects.MdStream);
        using var day = OpenDay(0);
        var plan = DayFeedPlan.For(day, 1);
        var messages = plan.ToList();

        var first = await DayFeedPublisher.PublishAsync(nats, plan);
        Assert.Equal(messages.Count, first.Messages);
        Assert.Equal(messages.Count, first.Stored);
        Assert.Equal(0, first.Duplicates);
        Assert.Equal(plan.TotalEvents, first.Events);
        Assert.Equal(day.References.Count, first.ReferenceRows);
        Assert.Equal(messages.Count(m => m.Kind == FeedMessageKind.Clock), first.Clocks);
        Assert.Equal(messages.Sum(m => (long)m.Payload.Length), first.Bytes);
        AssertSame(messages, await NatsTestKit.ReadStreamAsync(nats, MarketSubjects.MdStream));

        var again = await DayFeedPublisher.PublishAsync(nats, plan);
        Assert.Equal(0, again.Stored);
        Assert.Equal(messages.Count, again.Duplicates);
        Assert.Equal(messages.Count, await StoredCountAsync(nats));
    }

    [Fact]
    public async Task A_rerun_after_a_partial_feed_stores_the_rest_in_plan_order()
    {
        await using var nats = await server.ConnectAsync();
        await NatsTestKit.DeleteStreamAsync(nats, MarketSubjects.MdStream);
        using var day = OpenDay(1);
        var plan = DayFeedPlan.For(day, 5);
        var messages = plan.ToList();
        var subjects = new MarketSubjects();

        const int crashedAfter = 5_000; // not a multiple of the sync interval
        var partial = await new DayFeedPublisher(nats, subjects).PublishAsync(plan.Take(crashedAfter));
        Assert.Equal(crashedAfter, partial.Stored);

        var rest = await new DayFeedPublisher(nats, subjects, new DayFeedPublishOptions { SyncEvery = 700, MaxSyncsInFlight = 2 }).PublishAsync(plan);
        Assert.Equal(crashedAfter, rest.Duplicates);
        Assert.Equal(messages.Count - crashedAfter, rest.Stored);
        AssertSame(messages, await NatsTestKit.ReadStreamAsync(nats, MarketSubjects.MdStream));
    }

    [Fact]
    public async Task A_message_missing_from_the_stream_fails_the_feed()
    {
        await using var nats = await server.ConnectAsync();
        await NatsTestKit.DeleteStreamAsync(nats, MarketSubjects.MdStream);
        using var day = OpenDay(2);
        var plan = DayFeedPlan.For(day, 1);
        var publisher = new DayFeedPublisher(nats, plan.Subjects);
        // A message the stream does not store (lost on the way; here: it repeats an earlier Msg-Id) leaves a gap.
        var lost = plan.Select(m => m.Ordinal == 3000 ? m with { MsgId = DayFeedPlan.MsgIdOf(plan.Date, 10) } : m);
        var error = await Assert.ThrowsAsync<IOException>(() => publisher.PublishAsync(lost));
        Assert.Contains("gap", error.Message);

        // A foreign message in the middle of the feed (another publisher) is caught the same way...
        await NatsTestKit.DeleteStreamAsync(nats, MarketSubjects.MdStream);
        await using var other = await server.ConnectAsync();
        var interfering = new DayFeedPublisher(nats, plan.Subjects, new DayFeedPublishOptions
        {
            OnClock = (time, _, _) =>
            {
                if (time == 93000000) NatsTestKit.PublishToStreamAsync(other, "sig.md.clock", "{}"u8.ToArray(), "someone-else").GetAwaiter().GetResult();
            },
        });
        Assert.Contains("gap", (await Assert.ThrowsAsync<IOException>(() => interfering.PublishAsync(plan))).Message);
        // ... and so is a stream that already holds a later part of the feed than what is new now.
        await NatsTestKit.DeleteStreamAsync(nats, MarketSubjects.MdStream);
        await Assert.ThrowsAsync<IOException>(() => publisher.PublishAsync(plan.Take(2000).Concat(plan.Take(1))));
        await NatsTestKit.DeleteStreamAsync(nats, MarketSubjects.MdStream);
        Assert.Equal(plan.Count(), (await publisher.PublishAsync(plan)).Stored); // and a clean feed after a purge is fine
    }

    [Fact]
    public async Task Core_mode_publishes_the_plan_in_order_without_a_stream()
    {
        await using var publisher = await server.ConnectAsync();
        await using var subscriber = await server.ConnectAsync();
        await using var sub = await subscriber.SubscribeCoreAsync<byte[]>("coretest.md.>");
        await subscriber.PingAsync();
        using var day = OpenDay(0);
        var plan = DayFeedPlan.For(day, 2, subjects: new MarketSubjects("coretest"));
        var messages = plan.ToList();
        var result = await DayFeedPublisher.PublishAsync(publisher, plan, new DayFeedPublishOptions { JetStream = false });
        Assert.Equal(messages.Count, result.Messages);
        foreach (var expected in messages)
        {
            var msg = await NatsTestKit.NextAsync(sub);
            Assert.Equal(expected.Subject, msg.Subject);
            Assert.True(expected.Payload.AsSpan().SequenceEqual(msg.Data));
            Assert.True(msg.Headers!.TryGetValue("Nats-Msg-Id", out var id));
            Assert.Equal(expected.MsgId, id.ToString());
        }
    }

    [Fact]
    public async Task Cli_feed_publishes_into_SIG_MD_and_fails_in_one_line_without_a_server()
    {
        await using var nats = await server.ConnectAsync();
        await NatsTestKit.DeleteStreamAsync(nats, MarketSubjects.MdStream);
        var date = market.Ticks.Dates[0];
        string d = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Assert.Equal(0, Cli.Run(["feed", "--store", market.Store, "--date", d, "--nats", server.Url, "--jitter-seed", "3", "--max-rows", "8"]));
        using var day = OpenDay(0);
        var expected = DayFeedPlan.For(day, 3, 8).ToList();
        Assert.Equal(expected.Count, await StoredCountAsync(nats));
        // Paced (the lunch break as one second): the same plan again, every message a duplicate.
        Assert.Equal(0, Cli.Run(["feed", "--store", market.Store, "--date", d, "--nats", server.Url, "--jitter-seed", "3", "--max-rows", "8", "--speed", "50000", "--skip-lunch"]));
        Assert.Equal(expected.Count, await StoredCountAsync(nats));

        Assert.Equal(1, Cli.Run(["feed", "--store", market.Store, "--date", d, "--nats", $"nats://127.0.0.1:{NatsServerFixture.FreePort()}"]));
        Assert.Equal(1, Cli.Run(["feed", "--store", market.Store, "--date", "2001-01-01", "--nats", server.Url]));
    }
}
