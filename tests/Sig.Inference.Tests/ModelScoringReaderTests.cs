using Sig.Data.Features;
using Sig.Data.Tests.Features;
using Xunit;

namespace Sig.Inference.Tests;

/// <summary>Model scoring over an in-memory <c>IDailyFeatureReader</c>: which registry rows score a date.</summary>
public sealed class ModelScoringReaderTests
{
    private static readonly DateOnly[] Dates = [.. Enumerable.Range(0, 5).Select(i => new DateOnly(2024, 7, 1).AddDays(i))];

    private static RegisteredModel Row(string model, int retrain, ulong seed) =>
        new(model, seed, Dates[retrain], Dates[0], Dates[retrain], $"/models/{model}_{retrain}_s{seed}.model", new string('0', 64));

    [Fact]
    public void A_date_is_scored_by_every_seed_of_the_latest_retrain_strictly_before_it()
    {
        var reader = new InMemoryFeatureReader(Dates, ["000001.SZ"], _ => { });
        // Retrains on day 1 (seeds 2 then 1 as registered) and day 3; another model's row on day 2.
        reader.Models.AddRange([Row("hf-gru", 1, 2), Row("hf-gru", 1, 1), Row("hf-gru", 3, 1), Row("hf-gru", 3, 2), Row("lf-mtl", 2, 1)]);
        var scoring = new ModelScoring(reader);
        Assert.Empty(scoring.FilesFor("hf-gru", Dates[1]));
        // Day 3 is not strictly after the day-3 retrain: day 1's seeds, by seed.
        Assert.Equal([Row("hf-gru", 1, 1), Row("hf-gru", 1, 2)], scoring.FilesFor("hf-gru", Dates[3]));
        Assert.Equal([Row("hf-gru", 3, 1), Row("hf-gru", 3, 2)], scoring.FilesFor("hf-gru", Dates[4]));
        Assert.Equal([Row("lf-mtl", 2, 1)], scoring.FilesFor("lf-mtl", Dates[4]));
        Assert.Null(scoring.Score("hf-gru", Dates[0]));
    }

    [Fact]
    public void Inputs_of_a_date_off_the_calendar_are_refused()
    {
        var scoring = new ModelScoring(new InMemoryFeatureReader(Dates, ["000001.SZ"], _ => { }));
        var e = Assert.Throws<ArgumentException>(() => scoring.Inputs(new DateOnly(2024, 8, 1), ModelCatalog.Get("hf-gru").Input));
        Assert.Equal("2024-08-01 is not a trading date of the feature store", e.Message);
    }
}
