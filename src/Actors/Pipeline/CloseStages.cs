using Sig.Engine.Output;
using Sig.Factors.Output;

namespace Sig.Actors.Pipeline;

/// <summary>
/// One output a close stage adds to the day's minute 240 (a model's scores, a strategy's target
/// weights). It is digested after the daily payload, in stage order, and published before the
/// digest message, so a minute's digest covers it like every other output of that minute.
/// </summary>
/// <param name="Kind">The Nats-Msg-Id kind (e.g. <c>signals:hf_gru</c>); unique within the minute.</param>
/// <param name="Subject">The subject below the engine's prefix (e.g. <c>signals.hf_gru</c>).</param>
/// <param name="Payload">The canonical payload bytes (docs/nats.md), digested and published as is.</param>
public sealed record CloseProduct(string Kind, string Subject, byte[] Payload);

/// <summary>
/// A step the pipeline runs once a day at the close, after the DailyRollup has written the
/// day's factors and bars to the feature store (inference, optimization). Stages run in their
/// configured order on the one DailyRollup actor, so live and replay run them on the same
/// store rows in the same order.
/// <para>
/// A stage keeps no state the store does not hold: after a restart (or a recovery that
/// replays the journal) it is called again for the same date and must return the same bytes.
/// </para>
/// </summary>
public interface ICloseStage
{
    /// <summary>The stage's name in logs and manifests.</summary>
    string Name { get; }

    /// <summary>The stage's line in the run manifest: what shapes its outputs (a solver and its version, a model file); the name unless a stage says more.</summary>
    string ManifestEntry => Name;

    /// <summary>
    /// Runs the stage for the close of <paramref name="close"/>'s date. <paramref name="earlier"/>
    /// holds what the stages before this one produced for the same close (an optimizer takes
    /// a model's scores from there). Throwing is a failure of the DailyRollup actor.
    /// </summary>
    IReadOnlyList<CloseProduct> OnClose(MinuteOutput close, IReadOnlyList<CloseProduct> earlier);
}

/// <summary>
/// How a closed minute enters the output digest, the same wherever the minutes are chained (the
/// DigestChain actor of one process, the cross-section singleton of a cluster): the snapshot
/// payload, at the close the daily payload and then each close product in stage order.
/// </summary>
public static class MinuteDigest
{
    /// <summary>Chains <paramref name="output"/>'s payloads into <paramref name="digest"/>.</summary>
    public static void Chain(OutputDigest digest, MinuteOutput output)
    {
        var s = output.Snapshot;
        if (output.DailyPayload is null) digest.AddMinute(s.Date, s.Minute, output.SnapshotPayload);
        else if (output.CloseProducts.Count == 0) digest.AddMinute(s.Date, s.Minute, output.SnapshotPayload, output.DailyPayload);
        else
        {
            var payloads = new OutputPayload[2 + output.CloseProducts.Count];
            payloads[0] = output.SnapshotPayload;
            payloads[1] = output.DailyPayload;
            for (int i = 0; i < output.CloseProducts.Count; i++) payloads[2 + i] = new OutputPayload(output.CloseProducts[i].Payload);
            digest.AddMinute(s.Date, s.Minute, payloads);
        }
    }
}

/// <summary>
/// The DigestChain actor: chains every closed minute into the output digest (the snapshot
/// payload, at the close the daily payload and then each close product in stage order) and
/// hands the minute, digest filled in, to the Publisher. It comes after the DailyRollup so the
/// close's products are part of minute 240's digest.
/// </summary>
internal sealed class DigestChain(StageMemory memory, MinuteTimeline? timeline = null) : PipelineStage<MinuteOutput>(memory), ISnapshotable
{
    private OutputDigest _digest = new();

    protected override ValueTask HandleAsync(MinuteOutput output)
    {
        var s = output.Snapshot;
        MinuteDigest.Chain(_digest, output);
        RequestSnapshot();
        if (!IsReplaying) Emit(0, output with { Digest = _digest.Hex });
        timeline?.Mark(MinutePoint.Digested, s.Minute);
        return ValueTask.CompletedTask;
    }

    public object Snapshot() => (byte[])_digest.Current.Clone();

    public void Restore(object? snapshot)
    {
        _digest = new OutputDigest();
        if (snapshot is byte[] d) _digest.Reset(d);
    }
}
