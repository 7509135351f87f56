using Sig.Engine.Config;
using Sig.Factors.Cpu;
using Sig.Gpu.Ilgpu;
using Xunit;
using static Sig.Gpu.Tests.Ilgpu.ParityKit;

namespace Sig.Gpu.Tests.Ilgpu;

/// <summary>
/// The minute path's overlap (each shard's own stream, pinned buffers, early uploads from Apply)
/// leaves the rows as they were: any early-upload size and shards sharing the device from
/// several threads give bit-identical rows, which match the CPU backend.
/// </summary>
public class MinuteOverlapTests
{
    private static bool SameBits(double[] a, double[] b) =>
        a.Length == b.Length && a.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(b.Select(BitConverter.DoubleToInt64Bits));

    [Fact]
    public void Early_uploads_of_any_size_give_the_same_rows_bit_for_bit_and_match_the_cpu_backend()
    {
        var day = GeneratedMarket.Make(31, stocks: 6, days: 1, eventsPerStockDay: 1500).Days[0].Symbols;
        var settings = Settings(1.0);
        var minutes = Enumerable.Range(1, 240).Where(m => m % 7 == 0 || m == 240).ToHashSet();
        using var cpu = new CpuComputeBackend(1);
        var expected = Run(cpu.CreateShard(settings, BigOrderSizing.Filled), day, minutes.Contains, new Random(3));
        Dictionary<int, double[]>? first = null;
        foreach (int threshold in new[] { int.MaxValue, 1, 37, 400 })
        {
            using var gpu = IlgpuComputeBackend.Create(IlgpuDevice.Cpu);
            gpu.EagerFlushEvents = threshold;
            var actual = Run(gpu.CreateShard(settings, BigOrderSizing.Filled), day, minutes.Contains, new Random(3));
            foreach (int m in minutes)
            {
                AssertRowsMatch(expected[m], actual[m], $"early uploads every {threshold} events, minute {m}");
                if (first is not null) Assert.True(SameBits(first[m], actual[m]), $"early uploads every {threshold} events, minute {m}: not the bits of uploads at evaluation only");
            }
            first ??= actual;
        }
    }

    [Fact]
    public void Shards_on_several_threads_sharing_one_device_give_the_rows_each_gives_alone()
    {
        var market = GeneratedMarket.Make(32, stocks: 8, days: 2, eventsPerStockDay: 1200);
        var settings = Settings(0.5);
        var parts = new[] { market.Days[0].Symbols[..4], market.Days[0].Symbols[4..], market.Days[1].Symbols[..5], market.Days[1].Symbols[5..] };
        using var gpu = IlgpuComputeBackend.Create(IlgpuDevice.Cpu);
        gpu.EagerFlushEvents = 50;
        var alone = parts.Select(p => Run(gpu.CreateShard(settings, BigOrderSizing.Submitted), p, _ => true)).ToArray();
        var together = new Dictionary<int, double[]>[parts.Length];
        Parallel.For(0, parts.Length, new ParallelOptions { MaxDegreeOfParallelism = parts.Length },
            k => together[k] = Run(gpu.CreateShard(settings, BigOrderSizing.Submitted), parts[k], _ => true, new Random(k)));
        for (int k = 0; k < parts.Length; k++)
            for (int m = 1; m <= 240; m++)
                Assert.True(SameBits(alone[k][m], together[k][m]), $"shard {k} minute {m}");
    }
}
