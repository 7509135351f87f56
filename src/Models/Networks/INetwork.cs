using Sig.Models.Data;
using Sig.Models.Nn;

namespace Sig.Models.Networks;

/// <summary>
/// A trainable network over cross-sections. <see cref="State"/> lists every parameter, buffer
/// and counter under its PyTorch <c>state_dict</c> name, in state_dict order.
/// </summary>
public interface INetwork
{
    /// <summary>Architecture name recorded in model files (e.g. "hf-gru").</summary>
    string Architecture { get; }

    /// <summary>The hyper-parameters that rebuild this network (recorded in model files).</summary>
    IReadOnlyDictionary<string, string> HyperParameters { get; }

    IReadOnlyList<Parameter> State { get; }

    /// <summary>Draws the initial weights from <paramref name="rng"/> (PyTorch's distributions).</summary>
    void Init(SeededRandom rng);

    /// <summary>Scores in evaluation mode (running statistics, no dropout); one value per sample.</summary>
    float[] Predict(CrossSection batch);

    /// <summary>Zeroes the gradients, runs a training forward, the loss and the backward pass; returns the loss.</summary>
    double TrainStep(CrossSection batch, SeededRandom rng);
}
