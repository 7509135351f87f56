using System.Security.Cryptography;
using Sig.Models.Data;
using Sig.Models.Files;
using Sig.Models.Networks;
using Sig.Models.Nn;
using Sig.Models.Training;
using Xunit;

namespace Sig.Models.Tests.Training;

/// <summary>Training on generated data with a planted signal, and bit-identical training across thread counts.</summary>
// Tests that change Compute.Threads run one at a time, so a 2-thread run really uses 2 threads.
[Collection("Compute.Threads")]
public sealed class KnownAnswerTests
{
    [Fact]
    public void Hf_gru_lf_and_fusion_learn_the_planted_signal_out_of_sample()
    {
        var dates = SyntheticPanel.Dates(new DateOnly(2023, 1, 2), 30, 128, 40, 27, seed: 9, noise: 2.5);
        var (fit, test) = (dates.Take(25).ToArray(), dates.Skip(25).ToArray());
        var (train, valid) = Protocol.Split(fit);
        var options = new TrainingOptions(0.005f, Seed: 1, MaxEpochs: 10, Patience: 3);
        var hf = new HfGruNet(27, 30);
        var result = Trainer.Train(hf, train, valid, options);
        Assert.True(result.BestValidationIc > 0.2, $"validation IC {result.BestValidationIc:F3}");
        var lf = new LfMultiTaskNet([0], features: 27, hidden: 16);
        Trainer.Train(lf, train, valid, options with { Seed = 2 });
        double hfIc = 0, fusedIc = 0;
        foreach (var cs in test)
        {
            var h = Trainer.Predict(hf, cs);
            hfIc += Metrics.RankIc(h, cs.Labels) / test.Length;
            fusedIc += Metrics.RankIc(Scores.Fuse(h, Trainer.Predict(lf, cs)), cs.Labels) / test.Length;
        }
        Assert.True(hfIc > 0.2, $"HF out-of-sample RankIC {hfIc:F3}");
        Assert.True(fusedIc > 0.2, $"fused out-of-sample RankIC {fusedIc:F3}");
    }

    private static string TrainedFileHash(int threads, ulong seed, INetwork net, IReadOnlyList<CrossSection> data)
    {
        Compute.Threads = threads;
        try
        {
            var r = Trainer.Train(net, data.Take(3).ToArray(), data.Skip(3).ToArray(), new TrainingOptions(0.005f, seed, MaxEpochs: 3, Patience: 3, MaxBatch: 100));
            var header = NetworkFactory.Header(net, seed, data[0].Date, data[^1].Date, null, DatasetDigest.Of(data), new Dictionary<string, double> { ["validation_ic"] = r.BestValidationIc });
            return Convert.ToHexStringLower(SHA256.HashData(ModelFile.Encode(header, net.State)));
        }
        finally { Compute.Threads = 1; }
    }

    [Fact]
    public void Same_seed_gives_the_same_weight_file_with_one_or_two_threads()
    {
        var data = SyntheticPanel.Dates(new DateOnly(2023, 1, 2), 4, 150, 40, 27, seed: 3);
        string one = TrainedFileHash(1, 7, new HfGruNet(27, 30), data);
        Assert.Equal(one, TrainedFileHash(2, 7, new HfGruNet(27, 30), data));
        Assert.NotEqual(one, TrainedFileHash(1, 8, new HfGruNet(27, 30), data));
        var alpha = SyntheticPanel.Dates(new DateOnly(2023, 1, 2), 4, 100, 30, 15, seed: 4);
        Assert.Equal(TrainedFileHash(1, 7, new AlphaNetNet(pairFeatures: PairSampler.Draw(7, 15, 8)), alpha),
                     TrainedFileHash(2, 7, new AlphaNetNet(pairFeatures: PairSampler.Draw(7, 15, 8)), alpha));
    }
}
