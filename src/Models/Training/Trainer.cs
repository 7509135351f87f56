using Sig.Models.Data;
using Sig.Models.Networks;
using Sig.Models.Nn;

namespace Sig.Models.Training;

/// <summary>Hyper-parameters of one training run (one seed).</summary>
public sealed record TrainingOptions(float LearningRate, ulong Seed, int MaxEpochs = 100, int Patience = 10, int MaxBatch = 5000, float WeightDecay = 0f);

/// <summary>One epoch's figures, reported to a progress display.</summary>
public sealed record EpochLog(int Epoch, double TrainLoss, double ValidationIc, bool Best);

/// <summary>The outcome of a run: the kept (best) epoch and its validation IC, and every epoch's log.</summary>
public sealed record TrainingResult(int BestEpoch, double BestValidationIc, IReadOnlyList<EpochLog> Log);

/// <summary>
/// The training loop of the protocol: seeded init, each epoch visits the training dates in a
/// seeded shuffled order (a date larger than MaxBatch is split into consecutive chunks), one Adam
/// step per batch; after each epoch the validation mean of per-date Pearson IC decides early
/// stopping (patience) and the best epoch's weights are kept.
/// </summary>
public static class Trainer
{
    public static TrainingResult Train(INetwork net, IReadOnlyList<CrossSection> train, IReadOnlyList<CrossSection> validation,
        TrainingOptions options, Action<EpochLog>? progress = null, CancellationToken cancel = default)
    {
        if (train.Count == 0) throw new ArgumentException("no training dates");
        foreach (var cs in train)
            for (int i = 0; i < cs.Count; i++)
                if (!float.IsFinite(cs.Labels[i])) throw new ArgumentException($"{cs.Date:yyyy-MM-dd}: training label of {cs.Symbols[i]} is not finite");
        var rng = new SeededRandom(options.Seed);
        net.Init(rng);
        var opt = new Adam(net.State, options.LearningRate, weightDecay: options.WeightDecay);
        var best = net.State.Select(p => (float[])p.Value.Clone()).ToArray();
        var log = new List<EpochLog>();
        int bestEpoch = 0;
        double bestIc = double.NegativeInfinity;
        var order = Enumerable.Range(0, train.Count).ToArray();
        for (int epoch = 1; epoch <= options.MaxEpochs; epoch++)
        {
            rng.Shuffle(order.AsSpan());
            double lossSum = 0;
            int steps = 0;
            foreach (var d in order)
                foreach (var chunk in train[d].Chunks(options.MaxBatch))
                {
                    cancel.ThrowIfCancellationRequested();
                    if (chunk.Count < 3) continue;
                    lossSum += net.TrainStep(chunk, rng);
                    opt.Step();
                    steps++;
                }
            double ic = validation.Count == 0 ? -lossSum / Math.Max(1, steps) : MeanIc(net, validation, options.MaxBatch);
            bool improved = ic > bestIc || (double.IsNaN(bestIc) && !double.IsNaN(ic));
            if (improved)
            {
                bestIc = ic; bestEpoch = epoch;
                for (int k = 0; k < best.Length; k++) net.State[k].Value.CopyTo(best[k], 0);
            }
            var e = new EpochLog(epoch, steps == 0 ? double.NaN : lossSum / steps, ic, improved);
            log.Add(e);
            progress?.Invoke(e);
            if (epoch - bestEpoch >= options.Patience) break;
        }
        for (int k = 0; k < best.Length; k++) best[k].CopyTo(net.State[k].Value, 0);
        return new TrainingResult(bestEpoch, bestIc, log);
    }

    /// <summary>Scores of a whole date, predicted in chunks of at most <paramref name="maxBatch"/>.</summary>
    public static float[] Predict(INetwork net, CrossSection cs, int maxBatch = 5000) =>
        cs.Chunks(maxBatch).SelectMany(net.Predict).ToArray();

    /// <summary>The mean over dates of the Pearson IC of the network's scores (dates with no IC skipped).</summary>
    public static double MeanIc(INetwork net, IReadOnlyList<CrossSection> dates, int maxBatch = 5000)
    {
        double sum = 0;
        int count = 0;
        foreach (var cs in dates)
        {
            double ic = Metrics.Ic(Predict(net, cs, maxBatch), cs.Labels);
            if (double.IsNaN(ic)) continue;
            sum += ic; count++;
        }
        return count == 0 ? double.NaN : sum / count;
    }
}
