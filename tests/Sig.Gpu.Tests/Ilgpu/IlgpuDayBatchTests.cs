using System.Security.Cryptography;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors.Cpu;
using Sig.Gpu.Ilgpu;
using Sig.Factors.Tests.Cpu;
using Xunit;
using static Sig.Gpu.Tests.Ilgpu.ParityKit;

namespace Sig.Gpu.Tests.Ilgpu;

/// <summary>Kernel (b), the whole-day batch, against the CPU backend's minute-by-minute rows; determinism of the ILGPU paths.</summary>
public class IlgpuDayBatchTests
{
    private static void AssertDayMatchesCpu(IReadOnlyList<(SymbolCode Symbol, TickEvent[] Events)> day, double k, BigOrderSizing sizing, string context)
    {
        var settings = Settings(k);
        using var cpu = new CpuComputeBackend(1);
        var gpu = ParityKit.Gpu;
        var expected = Run(cpu.CreateShard(settings, sizing), day, _ => true);
        var batch = IlgpuDayBatch.Run(gpu, settings, sizing, day.Select(d => d.Symbol).ToList(), day.Select(d => d.Events).ToList(), everyMinute: true);
        int n = day.Count;
        Assert.Equal(240, batch.Minutes);
        for (int m = 1; m <= 240; m++)
            AssertRowsMatch(expected[m], batch.Rows.AsSpan((m - 1) * n * W, n * W).ToArray(), $"{context} minute {m}");
        var close = IlgpuDayBatch.Run(gpu, settings, sizing, day.Select(d => d.Symbol).ToList(), day.Select(d => d.Events).ToList(), everyMinute: false);
        Assert.Equal(1, close.Minutes);
        AssertRowsMatch(expected[240], close.Rows, $"{context} close only");
    }

    [Theory]
    [InlineData(31UL, 0.5, BigOrderSizing.Submitted)]
    [InlineData(32UL, 2.0, BigOrderSizing.Filled)]
    public void A_generated_day_in_one_pass_equals_the_cpu_backend_at_every_minute(ulong seed, double k, BigOrderSizing sizing)
    {
        var market = GeneratedMarket.Make(seed, stocks: 6, days: 1, eventsPerStockDay: 1200);
        AssertDayMatchesCpu(market.Days[0].Symbols, k, sizing, $"seed {seed}");
    }

    [Fact]
    public void A_day_with_empty_bars_a_one_price_symbol_and_an_orders_only_symbol_equals_the_cpu_backend()
    {
        var symbols = new[] { SymbolCode.FromParts(1, "SZ"), SymbolCode.FromParts(2, "SZ"), SymbolCode.FromParts(3, "SZ"), SymbolCode.FromParts(600000, "SH") };
        var sparse = RandomDay.Make(41, 300, sparse: true); // most bars empty
        var onePrice = RandomDay.Make(42, 600).Select(e => { if (e.Price > 0) e.Price = 123_400; return e; }).ToList();
        var ordersOnly = RandomDay.Make(43, 200).Where(e => e.Kind == TickKind.Order).ToList();
        var dense = RandomDay.Make(44, 2000, orderPool: 400);
        var lists = new[] { sparse, onePrice, ordersOnly, dense };
        var day = symbols.Select((s, i) => (s, lists[i].Select(e => { e.Symbol = s.Value; return e; }).ToArray())).ToList();
        AssertDayMatchesCpu(day, 1.0, BigOrderSizing.Filled, "edge day");
        AssertDayMatchesCpu(day, 2.0, BigOrderSizing.Submitted, "edge day submitted");
    }

    [Fact]
    public void Two_runs_give_the_same_bits_and_the_batch_equals_the_streaming_kernel()
    {
        var market = GeneratedMarket.Make(51, stocks: 6, days: 1, eventsPerStockDay: 1200);
        var day = market.Days[0].Symbols;
        var settings = Settings(1.0);
        string Digest(double[] rows) => Convert.ToHexString(SHA256.HashData(rows.SelectMany(BitConverter.GetBytes).ToArray()));
        var digests = new List<string>();
        for (int run = 0; run < 2; run++)
        {
            using var gpu = IlgpuComputeBackend.Create(IlgpuDevice.Cpu); // a fresh accelerator each run
            var streamed = Run(gpu.CreateShard(settings, BigOrderSizing.Filled), day, _ => true);
            var batch = IlgpuDayBatch.Run(gpu, settings, BigOrderSizing.Filled, day.Select(d => d.Symbol).ToList(), day.Select(d => d.Events).ToList(), true);
            var streamedAll = Enumerable.Range(1, 240).SelectMany(m => streamed[m]).ToArray();
            Assert.Equal(Digest(streamedAll), Digest(batch.Rows));
            digests.Add(Digest(batch.Rows));
        }
        Assert.Equal(digests[0], digests[1]);
    }
}
