using Sig.Engine.Events;
using Sig.Engine.Journal;
using Sig.Engine.Output;

namespace Sig.Actors.Pipeline;

/// <summary>
/// A <see cref="LiveMinuteEngine"/> with its output digest, writing every input (day start,
/// event batch, clock) to the journal before applying it. Reading the journal back through
/// <see cref="ReplayJournal"/> feeds the same inputs in the same order to the same engine, so
/// the digest of a journal replay equals the live run's (replay = live).
/// </summary>
public sealed class JournaledLiveRun
{
    /// <summary>The live run's manifest in the journal directory (its output digest is what verify-replay compares).</summary>
    public const string ManifestFileName = "live.manifest.json";

    private readonly JournalWriter? _journal;

    /// <param name="crossSection">The cross-section step (backend and factor settings).</param>
    /// <param name="journal">Where inputs are journaled; null when the inputs come from a journal.</param>
    public JournaledLiveRun(MinuteCrossSection crossSection, JournalWriter? journal)
    {
        Engine = new LiveMinuteEngine(crossSection);
        _journal = journal;
    }

    public LiveMinuteEngine Engine { get; }

    public OutputDigest Digest { get; } = new();

    /// <summary>Starts a day over the reference symbols.</summary>
    public void BeginDay(DateOnly date, IReadOnlyList<SymbolCode> universe)
    {
        var symbols = universe.Distinct().OrderBy(s => s).ToArray();
        _journal?.Append((byte)MarketJournalRecord.Reference, MarketJournalCodec.EncodeReference(date, symbols));
        Engine.BeginDay(date, symbols);
    }

    /// <summary>Journals then applies a batch; returns the number applied (late events are counted by the engine).</summary>
    public int Apply(ReadOnlySpan<TickEvent> batch)
    {
        _journal?.Append((byte)MarketJournalRecord.Ticks, MarketJournalCodec.EncodeTicks(Engine.Date, batch));
        return Engine.Apply(batch);
    }

    /// <summary>Journals the clock, then closes due minutes, chaining each snapshot into the digest before <paramref name="onMinute"/> sees it.</summary>
    public void Clock(int time, Action<FactorSnapshot> onMinute)
    {
        if (_journal is not null)
        {
            _journal.Append((byte)MarketJournalRecord.Clock, MarketJournalCodec.EncodeClock(Engine.Date, time));
            _journal.Sync();
        }
        Engine.Clock(time, snap =>
        {
            Digest.AddSnapshot(snap);
            onMinute(snap);
        });
    }

    /// <summary>Runs a journal's inputs through a fresh engine; <paramref name="onMinute"/> sees every closed minute.</summary>
    public static JournaledLiveRun ReplayJournal(string directory, MinuteCrossSection crossSection, Action<FactorSnapshot>? onMinute = null)
    {
        var run = new JournaledLiveRun(crossSection, journal: null);
        using var reader = JournalReader.Open(directory);
        while (reader.TryReadNext(out var record))
        {
            var payload = record.Payload.Span;
            switch ((MarketJournalRecord)record.Type)
            {
                case MarketJournalRecord.Reference:
                    var (date, symbols) = MarketJournalCodec.DecodeReference(payload);
                    run.BeginDay(date, symbols);
                    break;
                case MarketJournalRecord.Ticks:
                    run.Apply(MarketJournalCodec.DecodeTicks(payload).Events);
                    break;
                case MarketJournalRecord.Clock:
                    run.Clock(MarketJournalCodec.DecodeClock(payload).Time, onMinute ?? (_ => { }));
                    break;
                default:
                    throw new InvalidDataException($"journal record {record.Sequence}: unknown type {record.Type}");
            }
        }
        return run;
    }
}
