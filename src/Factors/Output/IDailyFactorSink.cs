namespace Sig.Factors.Output;

/// <summary>Where the close's daily factors go (the feature store); written by the pipeline's DailyRollup.</summary>
public interface IDailyFactorSink
{
    /// <summary>Stores the day's cross-section as of minute 240, replacing any earlier rows of its date.</summary>
    void WriteDaily(FactorSnapshot daily);
}
