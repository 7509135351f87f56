namespace Sig.Engine.Config;

/// <summary>
/// The inference close stage (docs/models.md): which models score each close, in this order, and
/// where `engine train` writes model files. Absent (the default): no inference stage.
/// </summary>
public sealed record InferenceOptions
{
    /// <summary>Model names (<c>hf-gru</c>, <c>lf-mtl</c>, <c>fusion</c>, <c>alphanet-v2</c>…); each publishes <c>sig.signals.&lt;id&gt;</c>.</summary>
    public string[] Models { get; init; } = [];

    /// <summary>Directory of model files for `engine train` (default: <c>models/</c> beside the feature store).</summary>
    public string? ModelDir { get; init; }
}
