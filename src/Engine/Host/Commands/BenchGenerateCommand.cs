using System.CommandLine;
using System.Diagnostics;
using Sig.Engine.Events;
using Sig.Replay.Generator;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine bench generate`: how fast the synthetic market generator produces events on one
/// core (it is single-threaded), into a sink that only counts, so the figure is the
/// generator's own cost.
/// </summary>
public sealed class BenchGenerateCommand : IBenchCommand
{
    public Command Build()
    {
        var stocks = new Option<int>("--stocks") { Description = "Number of stocks", DefaultValueFactory = _ => 500 };
        var days = new Option<int>("--days") { Description = "Number of trading days", DefaultValueFactory = _ => 1 };
        var events = new Option<int>("--events-per-stock-day") { Description = "Mean events (trades and orders) per stock-day", DefaultValueFactory = _ => 20000 };
        var seed = new Option<ulong>("--seed") { Description = "Generator seed", DefaultValueFactory = _ => 42UL };
        var cmd = new Command("generate", "Synthetic market generation speed: events/s on one core, peak RSS");
        cmd.Options.Add(stocks);
        cmd.Options.Add(days);
        cmd.Options.Add(events);
        cmd.Options.Add(seed);
        cmd.SetAction(parse =>
        {
            var settings = new GeneratorSettings
            {
                Stocks = parse.GetValue(stocks), Days = parse.GetValue(days),
                EventsPerStockDay = parse.GetValue(events), Seed = parse.GetValue(seed),
            };
            var generator = new MarketGenerator(settings);
            using var sink = new CountingSink();
            var clock = Stopwatch.StartNew();
            generator.Generate(sink);
            clock.Stop();
            double seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"generate: {settings.Stocks} stocks x {settings.Days} days, {settings.EventsPerStockDay} events/stock-day requested");
            Console.WriteLine($"  events       {sink.Events:N0} ({sink.Fills:N0} fills, {sink.SymbolDays:N0} symbol-days)");
            Console.WriteLine($"  elapsed      {seconds:F3} s");
            Console.WriteLine($"  throughput   {sink.Events / seconds / 1e6:F2} M events/s (single-threaded, one core)");
            Console.WriteLine($"  peak RSS     {BenchReport.PeakRssMiB():F0} MiB");
            Console.WriteLine($"  machine      {BenchReport.Machine()}");
            return 0;
        });
        return cmd;
    }

    /// <summary>Counts what it is given and keeps nothing.</summary>
    private sealed class CountingSink : IMarketDataSink, IDayWriter
    {
        public long Events, Fills, SymbolDays;

        public IDayWriter BeginDay(DateOnly date, ReferenceSchema schema, IReadOnlyList<DailyReference> references) => this;

        public void WriteSymbol(SymbolCode symbol, ReadOnlySpan<TickEvent> events)
        {
            SymbolDays++;
            Events += events.Length;
            foreach (ref readonly var e in events) Fills += e.IsFill ? 1 : 0;
        }

        public void Commit() { }

        public void Dispose() { }
    }
}
