using Xunit;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Sig.Engine.Events;
using Sig.Replay.Generator;

namespace Sig.Replay.Tests.Generator;

/// <summary>One generated month (20 stocks × 22 days, small books) shared by the generator tests.</summary>
public sealed class GeneratedMonthFixture
{
    public static readonly GeneratorSettings Settings = new()
    {
        Stocks = 20, Days = 22, Start = new DateOnly(2024, 3, 1), Seed = 7, EventsPerStockDay = 1500,
        Holidays = [new DateOnly(2024, 3, 8)],
    };

    public CollectingSink Sink { get; } = Generate(Settings);

    public static CollectingSink Generate(GeneratorSettings settings)
    {
        var sink = new CollectingSink();
        new MarketGenerator(settings).Generate(sink);
        return sink;
    }

    /// <summary>SHA-256 over every event's bytes and every reference row's printed form.</summary>
    public static string Hash(CollectingSink sink)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var day in sink.Days)
        {
            foreach (var r in day.References)
                sha.AppendData(Encoding.UTF8.GetBytes(
                    $"{r.Date}|{r.Symbol}|{r.PreClose}|{r.AdjFactor:R}|{r.Industry}|{r.TotalShares}|{r.FloatShares}|{r.IsSt}|{r.LimitUp}|{r.LimitDown}|{string.Join(',', r.Weights.Select(w => w.ToString("R")))}|{r.ListDate}|{r.FreeFloatShares}\n"));
            foreach (var s in day.Symbols)
                sha.AppendData(MemoryMarshal.AsBytes(s.Events.AsSpan()));
        }
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    public IEnumerable<(CollectingSink.Day Day, DailyReference Reference, TickEvent[] Events)> SymbolDays()
    {
        foreach (var day in Sink.Days)
        {
            var refs = day.References.ToDictionary(r => r.Symbol);
            foreach (var s in day.Symbols) yield return (day, refs[s.Symbol], s.Events);
        }
    }
}
