using System.Diagnostics;
using Sig.Models.Data;
using Sig.Models.Networks;
using Sig.Models.Nn;
using Sig.Models.Training;

namespace Sig.Gpu.Inference;

/// <summary>One model's ensemble as the inference stage scores it: its networks (one per seed) and a cross-section of its input shape.</summary>
public sealed record BenchEnsemble(string Model, IReadOnlyList<INetwork> Networks, CrossSection Inputs);

/// <summary>How one backend's scores of an ensemble compare with the CPU models': the largest difference, the scores beyond 1e-6, two-run identity.</summary>
public sealed record InferenceParity(string Model, int Networks, int Samples, double MaxAbsDifference, int BeyondTolerance, bool TwoRunsIdentical)
{
    public bool Passed => BeyondTolerance == 0 && TwoRunsIdentical;
}

/// <summary>Wall time of scoring one ensemble over all samples (inputs up, kernels, scores down), over several runs.</summary>
public sealed record InferenceTiming(string Model, int Networks, int Samples, double MeanMs, double P50Ms, double MinMs);

/// <summary>
/// The inference measurements of `engine bench gpu` and the device check: every model the
/// inference stage knows at the protocol's sizes (HF GRU 40×27 → 30, three seeds; LF multi-task
/// GRU over daily/weekly/monthly bars, three seeds; AlphaNet v2/v2.1/v2.2/v2.3 over the 30×15
/// picture, ten seeds each, v2.1 drawing its pair features per seed), with seeded weights and
/// non-trivial BatchNorm statistics, scored on generated inputs. Parity: the backend against the
/// CPU models, within 1e-6·max(1, |cpu|), and a second run bit-identical.
/// </summary>
public static class InferenceBenchmark
{
    public const double Tolerance = 1e-6;

    /// <summary>The ensembles over <paramref name="samples"/> stocks; <paramref name="seeds"/> overrides the seeds per model (fewer for quick checks).</summary>
    public static IReadOnlyList<BenchEnsemble> Ensembles(int samples, int? seeds = null, ulong seed = 7)
    {
        var rng = new Random((int)seed);
        IReadOnlyList<INetwork> Seeds(int count, Func<ulong, INetwork> make) =>
            [.. Enumerable.Range(1, seeds ?? count).Select(s => Randomized(make((ulong)s), seed * 1000 + (ulong)s))];
        var factors = Section(samples, Tensor(rng, samples, 40, 27, positive: false));
        var bars = Section(samples, Tensor(rng, samples, 40, 6, positive: true), Tensor(rng, samples, 20, 6, positive: true), Tensor(rng, samples, 12, 6, positive: true));
        var picture = Section(samples, Tensor(rng, samples, 30, 15, positive: true));
        return
        [
            new("hf-gru", Seeds(3, _ => new HfGruNet(27, 30)), factors),
            new("lf-mtl", Seeds(3, _ => new LfMultiTaskNet([0, 1, 2], true, 6, 30)), bars),
            new("alphanet-v2", Seeds(10, _ => new AlphaNetNet(15, 30, null, AlphaNetLoss.Mse, 30)), picture),
            new("alphanet-v2.1", Seeds(10, s => new AlphaNetNet(15, 30, PairSampler.Draw(s, 15, 8), AlphaNetLoss.Mse, 30)), picture),
            new("alphanet-v2.2", Seeds(10, _ => new AlphaNetNet(15, 30, null, AlphaNetLoss.NeutralizedMse, 30)), picture),
            new("alphanet-v2.3", Seeds(10, _ => new AlphaNetNet(15, 30, null, AlphaNetLoss.LongSideWeightedMse, 30)), picture),
        ];
    }

    /// <summary><paramref name="backend"/>'s scores against the CPU models', and a second run against the first.</summary>
    public static InferenceParity Parity(IInferenceBackend backend, BenchEnsemble e)
    {
        var first = backend.Predict(e.Networks, e.Inputs);
        var second = backend.Predict(e.Networks, e.Inputs);
        double worst = 0;
        int beyond = 0;
        bool same = true;
        for (int k = 0; k < e.Networks.Count; k++)
        {
            var cpu = e.Networks[k].Predict(e.Inputs);
            for (int i = 0; i < cpu.Length; i++)
            {
                double d = Math.Abs((double)first[k][i] - cpu[i]);
                if (double.IsNaN(d) ? !(float.IsNaN(cpu[i]) && float.IsNaN(first[k][i])) : d > Tolerance * Math.Max(1, Math.Abs(cpu[i]))) beyond++;
                if (!double.IsNaN(d)) worst = Math.Max(worst, d);
                same &= BitConverter.SingleToInt32Bits(first[k][i]) == BitConverter.SingleToInt32Bits(second[k][i]);
            }
        }
        return new InferenceParity(e.Model, e.Networks.Count, e.Inputs.Count, worst, beyond, same);
    }

    /// <summary>Times <paramref name="runs"/> scorings of the ensemble after one warm-up (kernels compiled, buffers sized).</summary>
    public static InferenceTiming Time(IInferenceBackend backend, BenchEnsemble e, int runs = 5)
    {
        backend.Predict(e.Networks, e.Inputs);
        var ms = new double[runs];
        for (int r = 0; r < runs; r++)
        {
            long start = Stopwatch.GetTimestamp(); // wall-clock ok: benchmark timing only
            backend.Predict(e.Networks, e.Inputs);
            ms[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        var sorted = ms.Order().ToArray();
        return new InferenceTiming(e.Model, e.Networks.Count, e.Inputs.Count, ms.Average(), sorted[runs / 2], sorted[0]);
    }

    // Seeded weights and BatchNorm statistics away from their initial 0/1 (so the normalization is exercised).
    private static INetwork Randomized(INetwork net, ulong seed)
    {
        var rng = new SeededRandom(seed);
        net.Init(rng);
        foreach (var p in net.State)
        {
            bool bn = p.Name.StartsWith("bn", StringComparison.Ordinal);
            if (p.Name.EndsWith("running_mean", StringComparison.Ordinal) || bn && p.Name.EndsWith(".bias", StringComparison.Ordinal))
                for (int i = 0; i < p.Size; i++) p.Value[i] = (float)(rng.NextDouble() - 0.5) * 0.4f;
            else if (p.Name.EndsWith("running_var", StringComparison.Ordinal))
                for (int i = 0; i < p.Size; i++) p.Value[i] = (float)(0.05 + rng.NextDouble() * 2);
            else if (bn && p.Name.EndsWith(".weight", StringComparison.Ordinal))
                for (int i = 0; i < p.Size; i++) p.Value[i] = (float)(0.5 + rng.NextDouble());
        }
        return net;
    }

    private static SequenceTensor Tensor(Random rng, int n, int t, int f, bool positive)
    {
        var data = new float[n * t * f];
        for (int i = 0; i < data.Length; i++)
            data[i] = positive ? (float)(0.5 + rng.NextDouble()) : (float)((rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 1.5) * 2);
        return new SequenceTensor(n, t, f, data);
    }

    private static CrossSection Section(int n, params SequenceTensor[] inputs) =>
        new(new DateOnly(2024, 1, 2), [.. Enumerable.Range(0, n).Select(i => $"{i + 1:D6}.SZ")], inputs);
}
