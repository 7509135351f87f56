using System.Buffers;
using System.Text;
using Sig.Actors.Pipeline;
using Sig.Engine.Events;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Engine.Text;
using Sig.Data.Features;

namespace Sig.Inference;

/// <summary>
/// The inference close stage: at each close, after the DailyRollup has written the day to the
/// feature store, it scores the day with each configured model (the latest retrain before the
/// date, seeds averaged; <c>fusion</c> from the HF and LF scores), stores the scores in the
/// model's score table (<c>scores_&lt;id&gt;</c>) and returns one <c>signals:&lt;id&gt;</c> product
/// per model that could score the day (<see cref="SignalPayload"/>). It reads only the store,
/// whose rows up to the date are the same in live and replay, so the bytes are the same.
/// A model without a retrain before the date produces nothing that day.
/// </summary>
public sealed class InferenceStage(string db, IReadOnlyList<string> models) : ICloseStage
{
    private readonly SortedSet<string> _used = new(StringComparer.Ordinal);

    public string Name => "inference";

    /// <summary>The manifest line: the configured models in order.</summary>
    public string ManifestEntry => "inference: models " + string.Join(", ", models);

    /// <summary>"sha256  path" of every model file this stage scored with (for the run manifest).</summary>
    public IReadOnlyCollection<string> UsedFiles => _used;

    public IReadOnlyList<CloseProduct> OnClose(MinuteOutput close, IReadOnlyList<CloseProduct> earlier)
    {
        var date = close.Snapshot.Date;
        var products = new List<CloseProduct>();
        // Its own connection to the store the DailyRollup has just committed the day to (the same actor, so no write overlaps).
        using var store = new SqliteFeatureStore(db);
        var scoring = new ModelScoring(store);
        foreach (var model in models)
        {
            var scores = scoring.Score(model, date);
            if (scores is null) continue;
            foreach (var f in scores.ModelFiles) _used.Add(f);
            store.WriteScores(ModelCatalog.ScoreTable(model), date, [.. scores.Symbols.Select(SymbolCode.Parse)], [.. scores.Scores.Select(s => (double)s)]);
            string id = ModelCatalog.IdOf(model);
            products.Add(new CloseProduct("signals:" + id, "signals." + id, SignalPayload.Encode(scores)));
        }
        return products;
    }
}

/// <summary>
/// The bytes of <c>sig.signals.&lt;model&gt;</c>:
/// <c>{"v":1,"date":"YYYY-MM-DD","model":"hf-gru","symbols":[…],"scores":[…]}</c> — symbols ascending,
/// each float32 score widened to float64 and written as its shortest round-trip text, NaN as null.
/// </summary>
public static class SignalPayload
{
    public static byte[] Encode(DateScores s)
    {
        var w = new ArrayBufferWriter<byte>(64 + s.Symbols.Length * 36);
        void A(string text) => w.Write(Encoding.ASCII.GetBytes(text));
        A("{\"v\":1,\"date\":\""); A(CanonicalRows.FormatDate(s.Date)); A("\",\"model\":\""); A(s.Model); A("\",\"symbols\":[");
        for (int i = 0; i < s.Symbols.Length; i++) { if (i > 0) A(","); A("\""); A(s.Symbols[i]); A("\""); }
        A("],\"scores\":[");
        for (int i = 0; i < s.Scores.Length; i++) { if (i > 0) A(","); FactorPayloads.Number(w, s.Scores[i]); }
        A("]}");
        return w.WrittenSpan.ToArray();
    }
}

/// <summary>Builds the configured close stages of the inference section.</summary>
public static class InferenceStages
{
    /// <summary>
    /// The inference stage for <paramref name="options"/> (none when no model is configured). A
    /// configured model needs a feature store to read from and write scores to.
    /// </summary>
    public static IReadOnlyList<ICloseStage> For(Sig.Engine.Config.InferenceOptions? options, string? db)
    {
        if (options is null || options.Models.Length == 0) return [];
        foreach (var m in options.Models)
            if (m != ModelCatalog.Fusion) ModelCatalog.Get(m);
        if (options.Models.Distinct(StringComparer.Ordinal).Count() != options.Models.Length) throw new ArgumentException("inference.models lists a model twice");
        if (db is null) throw new ArgumentException("inference.models is configured: the run needs a feature store (--store/--db) to score from");
        return [new InferenceStage(db, options.Models)];
    }
}
