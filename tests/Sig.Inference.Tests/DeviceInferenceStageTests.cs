using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Factors.Cpu;
using Sig.Gpu.Ilgpu;
using Sig.Gpu.Inference;
using Sig.Data.Features;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Inference.Tests;

/// <summary>
/// The inference stage on the device kernels (ILGPU's CPU accelerator here): the trained models'
/// scores within 1e-6 of the CPU models, the same bytes on every run, the backend in the manifest.
/// </summary>
[Collection(GeneratedStoreCollection.Name)]
public class DeviceInferenceStageTests(GeneratedStore market)
{
    [Fact]
    public void Device_scores_of_the_trained_models_are_within_1e6_of_the_cpu_and_identical_on_a_second_run()
    {
        using var fs = new SqliteFeatureStore(market.Db);
        using var device = IlgpuInferenceBackend.Create(IlgpuDevice.Cpu);
        var cpu = new ModelScoring(fs);
        var onDevice = new ModelScoring(fs, device);
        foreach (var date in market.Dates.TakeLast(3))
            foreach (var model in new[] { "hf-gru", "lf-mtl" })
            {
                var want = cpu.Score(model, date)!;
                var got = onDevice.Score(model, date)!;
                var again = onDevice.Score(model, date)!;
                Assert.Equal(want.Symbols, got.Symbols);
                Assert.Equal(want.ModelFiles, got.ModelFiles);
                Assert.True(want.Symbols.Length > 10);
                for (int i = 0; i < want.Scores.Length; i++)
                {
                    Assert.True(Math.Abs(got.Scores[i] - want.Scores[i]) <= 1e-6 * Math.Max(1, Math.Abs(want.Scores[i])),
                        $"{model} {date:yyyy-MM-dd} {want.Symbols[i]}: device {got.Scores[i]:R} vs cpu {want.Scores[i]:R}");
                    Assert.Equal(BitConverter.SingleToInt32Bits(got.Scores[i]), BitConverter.SingleToInt32Bits(again.Scores[i]));
                }
            }
    }

    [Fact]
    public void A_pipeline_scoring_on_the_device_gives_the_same_digest_twice_and_names_the_backend()
    {
        var date = market.Dates[^1];
        string Run(string backend, out string manifest)
        {
            var ticks = TickStore.Open(market.TickDir);
            string db = market.CutCopy(date);
            using var features = new SqliteFeatureStore(db);
            using var factors = new CpuComputeBackend(1);
            var stages = InferenceStages.For(new InferenceOptions { Models = ["hf-gru", "lf-mtl", ModelCatalog.Fusion] }, db, backend);
            try
            {
                var pipeline = new MarketPipeline(new BigOrderOptions(), factors, 2, dailyStore: features,
                    dailyBars: new DailyBarOutput(features, new TickStoreReferences(ticks)), closeStages: stages);
                pipeline.RunAsync(new StoreEventSource([date], ticks.OpenDay)).GetAwaiter().GetResult();
                manifest = stages[0].ManifestEntry;
                return pipeline.DigestHex;
            }
            finally
            {
                foreach (var s in stages.OfType<IDisposable>()) s.Dispose();
            }
        }
        string first = Run("ilgpu-cpu", out string manifest);
        Assert.Equal(first, Run("ilgpu-cpu", out _));
        Assert.StartsWith("inference: models hf-gru, lf-mtl, fusion; backend ilgpu-cpu (", manifest);
        Assert.Contains("CPU accelerator", manifest);
        Run("cpu", out string cpuManifest);
        Assert.Equal("inference: models hf-gru, lf-mtl, fusion; backend cpu", cpuManifest);
    }
}
