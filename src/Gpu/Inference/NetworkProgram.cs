using System.Globalization;
using Sig.Models.Networks;
using Sig.Models.Nn;

namespace Sig.Gpu.Inference;

/// <summary>What a branch's recurrent layer is.</summary>
public enum RecurrentKind
{
    Gru,
    Lstm,
}

/// <summary>
/// One branch of a network as the device runs it: optional AlphaNet extraction (on the host) and
/// feature BatchNorm, a recurrent layer over input tensor <see cref="Input"/>, then the head.
/// </summary>
public sealed record NetworkBranch(int Input, RecurrentKind Kind, RecurrentShape Recurrent, HeadShape Head, AlphaNetExtraction? Extraction = null, HeadShape? FeatureNorm = null);

/// <summary>
/// A network laid out for the inference kernels: every weight it reads packed into one float
/// block (one upload), and its branches. Built from the network's public state (its PyTorch
/// <c>state_dict</c> names and hyper-parameters), so the device reads exactly the values the CPU
/// model holds at the time of the call. The score is the mean of the branch outputs (one branch
/// except the LF multi-task model).
/// </summary>
public sealed class NetworkProgram
{
    private readonly List<float> _block = [];
    private readonly Dictionary<string, Parameter> _state;

    private NetworkProgram(INetwork net)
    {
        _state = net.State.ToDictionary(p => p.Name, StringComparer.Ordinal);
        Architecture = net.Architecture;
        Branches = net switch
        {
            HfGruNet => [new NetworkBranch(0, RecurrentKind.Gru, Recurrent("gru.", 3), Head("bn.", "fc.", sigmoid: true))],
            LfMultiTaskNet lf => LfBranches(lf),
            AlphaNetNet a => [new NetworkBranch(0, RecurrentKind.Lstm, Recurrent("lstm.", 4), Head("bn.", "fc.", sigmoid: false), a.Extraction, Norm("bn_feat."))],
            _ => throw new ArgumentException($"the device backend cannot run architecture '{net.Architecture}'"),
        };
        Block = [.. _block];
    }

    public string Architecture { get; }
    public IReadOnlyList<NetworkBranch> Branches { get; }
    /// <summary>Every weight, bias and running statistic the kernels read, at the offsets the shapes give.</summary>
    public float[] Block { get; }

    public static NetworkProgram For(INetwork net) => new(net);

    private NetworkBranch[] LfBranches(LfMultiTaskNet lf)
    {
        var inputs = lf.HyperParameters["inputs"].Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        bool shared = lf.HyperParameters["shared_gru"] == "true";
        var sharedGru = shared ? Recurrent("gru.", 3) : default;
        return [.. inputs.Select((input, k) => new NetworkBranch(input, RecurrentKind.Gru, shared ? sharedGru : Recurrent($"gru{k}.", 3), Head($"bn{k}.", $"fc{k}.", sigmoid: false)))];
    }

    private Parameter Get(string name) =>
        _state.TryGetValue(name, out var p) ? p : throw new ArgumentException($"{Architecture}: the network has no state entry '{name}'");

    private int Add(ReadOnlySpan<float> values)
    {
        int at = _block.Count;
        foreach (var v in values) _block.Add(v);
        return at;
    }

    private RecurrentShape Recurrent(string prefix, int gates)
    {
        var wih = Get(prefix + "weight_ih_l0");
        var whh = Get(prefix + "weight_hh_l0");
        int rows = wih.Shape[0];
        if (rows % gates != 0 || whh.Shape[0] != rows || whh.Shape[1] * gates != rows)
            throw new ArgumentException($"{Architecture}: {prefix} weights [{rows}, {wih.Shape[1]}] / [{whh.Shape[0]}, {whh.Shape[1]}] are not a {gates}-gate layer");
        return new RecurrentShape
        {
            Input = wih.Shape[1], Hidden = rows / gates,
            WeightIh = Add(wih.Value), WeightHh = Add(whh.Value),
            BiasIh = Add(Get(prefix + "bias_ih_l0").Value), BiasHh = Add(Get(prefix + "bias_hh_l0").Value),
        };
    }

    private HeadShape Norm(string bn)
    {
        var var = Get(bn + "running_var").Value;
        // 1/√(var + ε) exactly as the CPU layer computes it in evaluation mode.
        var invStd = new float[var.Length];
        for (int c = 0; c < var.Length; c++) invStd[c] = 1f / MathF.Sqrt(var[c] + BatchNorm1d.Eps);
        return new HeadShape
        {
            Channels = var.Length, Mean = Add(Get(bn + "running_mean").Value), InvStd = Add(invStd),
            Gamma = Add(Get(bn + "weight").Value), Beta = Add(Get(bn + "bias").Value),
        };
    }

    private HeadShape Head(string bn, string fc, bool sigmoid)
    {
        var head = Norm(bn);
        var weight = Get(fc + "weight");
        if (weight.Shape[0] != 1 || weight.Shape[1] != head.Channels)
            throw new ArgumentException($"{Architecture}: {fc}weight is [{weight.Shape[0]}, {weight.Shape[1]}], expected [1, {head.Channels}]");
        head.FcWeight = Add(weight.Value);
        head.FcBias = Add(Get(fc + "bias").Value);
        head.Sigmoid = sigmoid ? 1 : 0;
        return head;
    }
}
