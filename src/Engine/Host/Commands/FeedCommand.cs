using System.CommandLine;
using NATS.Client.Core;
using Sig.Engine.Nats;
using Sig.Engine.Time;
using Sig.Replay.Feed;
using Sig.Replay.Store;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine feed`: publishes one stored day on the NATS md subjects (docs/nats.md) the way an exchange
/// feed handler would — the reference, then every event by exchange second with the symbols
/// interleaved by a seeded RNG, and a clock every second — into the JetStream stream SIG_MD
/// (or plain core NATS with --core). The messages come from <see cref="DayFeedPlan"/> and go out
/// through <see cref="DayFeedPublisher"/>.
/// </summary>
public sealed class FeedCommand : ICliCommand
{
    public Command Build()
    {
        var store = new Option<string>("--store") { Description = "Tick store directory", Required = true };
        var date = new Option<string>("--date") { Description = "Trading date YYYY-MM-DD", Required = true };
        var nats = new Option<string?>("--nats") { Description = "NATS server URL (default: nats.url of the configuration)" };
        var speed = new Option<double>("--speed") { Description = "Pace by exchange time: 1 = real time, 10 = ten times faster; 0 = as fast as possible", DefaultValueFactory = _ => 0 };
        var skipLunch = new Option<bool>("--skip-lunch") { Description = "With --speed: pace the lunch break as one quiet second instead of 90 minutes (the same messages, sooner)" };
        var seed = new Option<ulong>("--jitter-seed") { Description = "Seed of the symbol interleaving (the same seed gives the same messages)", DefaultValueFactory = _ => 0 };
        var maxRows = new Option<int>("--max-rows") { Description = "Most rows per trade/order message", DefaultValueFactory = _ => DayFeedPlan.DefaultMaxRows };
        var core = new Option<bool>("--core") { Description = "Best-effort core NATS publish, no JetStream stream" };
        var replicas = new Option<int>("--replicas") { Description = "Replicas of SIG_MD (3 on a 3-server JetStream cluster: engine cluster up)", DefaultValueFactory = _ => 1 };
        var cmd = new Command("feed", "Publish a stored day to the NATS md subjects (stand-in for an exchange feed handler)");
        foreach (var o in new Option[] { store, date, nats, speed, skipLunch, seed, maxRows, core, replicas }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var config = Cli.LoadConfig(parse);
            var day = Cli.ParseDate(parse.GetValue(date)!, "--date");
            double pace = parse.GetValue(speed);
            if (pace < 0 || double.IsNaN(pace)) throw new ArgumentException($"--speed must be ≥ 0, not {pace}");
            int rows = parse.GetValue(maxRows);
            if (rows < 1) throw new ArgumentException($"--max-rows must be ≥ 1, not {rows}");
            bool jetStream = !parse.GetValue(core) && config.Nats.JetStream;
            var natsOptions = NatsClientSettings.From(config.Nats, parse.GetValue(nats), "sig-feed");
            var subjects = new MarketSubjects(config.Nats.Prefix) { Replicas = parse.GetValue(replicas) };

            using var tickDay = TickStore.Open(parse.GetValue(store)!).OpenDay(day);
            var result = Run(natsOptions, tickDay, subjects, parse.GetValue(seed), rows, new DayFeedPublishOptions
            {
                JetStream = jetStream,
                Speed = pace,
                SkipLunch = parse.GetValue(skipLunch),
                OnClock = pace > 0 ? Progress : null,
            }).GetAwaiter().GetResult();

            AnsiConsole.MarkupLine(
                $"fed {day:yyyy-MM-dd} to {Markup.Escape(NatsUrl.Redact(natsOptions.Url))} ({(jetStream ? $"stream {MarketSubjects.MdStream}" : "core NATS")}): " +
                $"{result.Messages:N0} messages ({result.Clocks:N0} clocks), {result.Events:N0} events + {result.ReferenceRows:N0} reference rows, " +
                $"{result.Bytes / 1e6:N1} MB in {result.Elapsed.TotalSeconds:N2} s = {result.EventsPerSecond:N0} events/s");
            if (jetStream)
                AnsiConsole.MarkupLine($"stream {MarketSubjects.MdStream}: {result.Stored:N0} stored, {result.Duplicates:N0} already there (de-duplicated)");
            return 0;
        });
        return cmd;
    }

    private static void Progress(int time, long messages, long events)
    {
        if (time % 100000 == 0) // once per exchange minute
            AnsiConsole.MarkupLine($"{ExchangeTime.Format(time)}  {messages:N0} messages, {events:N0} events");
    }

    /// <summary>Connects and publishes; NATS failures become one-line errors (IOException) for the CLI.</summary>
    public static async Task<DayFeedResult> Run(NatsOpts nats, TickDay day, MarketSubjects subjects, ulong seed, int maxRows,
                                                DayFeedPublishOptions options)
    {
        string url = NatsUrl.Redact(nats.Url);
        try
        {
            // A feed that cannot reach its server fails (one line) rather than waiting for it.
            await using var connection = new NatsConnection(nats with { MaxReconnectRetry = 60 });
            await connection.ConnectAsync();
            long maxPayload = connection.ServerInfo?.MaxPayload ?? 2L * DayFeedPlan.DefaultMaxPayloadBytes;
            var plan = DayFeedPlan.For(day, seed, maxRows, subjects, (int)Math.Min(int.MaxValue, maxPayload / 2));
            return await DayFeedPublisher.PublishAsync(connection, plan, options);
        }
        catch (NatsException e)
        {
            string hint = e is NatsNoRespondersException || e.InnerException is NatsNoRespondersException || e.Message.Contains("JetStream", StringComparison.OrdinalIgnoreCase)
                ? " (is JetStream enabled on the server? or use --core)" : "";
            throw new IOException($"NATS {url}: {NatsErrors.Describe(e)["NATS: ".Length..]}{hint}", e);
        }
        catch (TimeoutException e)
        {
            throw new IOException($"NATS {url}: {e.Message}", e);
        }
        catch (UriFormatException e)
        {
            throw new ArgumentException($"NATS URL '{url}': {e.Message}", e);
        }
    }
}
