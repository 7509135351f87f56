using System.Runtime.CompilerServices;
using Sig.Engine.Events;
using Sig.Engine.Journal;

namespace Sig.Actors.Sources;

/// <summary>
/// Replay of a live run's journal: exactly the inputs the live engine received, in the order
/// it journaled them (before applying them), so the pipeline recomputes the live outputs.
/// </summary>
public sealed class JournalEventSource(string directory) : IMarketEventSource
{
    public string Name => "journal";

    /// <summary>
    /// Records up to this sequence are read but not yielded (a pipeline restored from a persisted
    /// cut already holds their effect); each goes to <see cref="Skipped"/> instead.
    /// </summary>
    public long SkipThrough { get; init; }

    /// <summary>Receives every skipped record (e.g. to bring the md parser up to date).</summary>
    public Action<MarketInput>? Skipped { get; init; }

    /// <summary>Records read.</summary>
    public long Records { get; private set; }

    /// <summary>Records yielded (read and not skipped).</summary>
    public long Replayed { get; private set; }

    /// <summary>The highest source sequence among the records read (what a live engine had consumed).</summary>
    public ulong LastSourceSeq { get; private set; }

    public async IAsyncEnumerable<MarketInput> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = JournalReader.Open(directory);
        while (reader.TryReadNext(out var record))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var input = MarketJournalCodec.Decode(record);
            Records++;
            LastSourceSeq = Math.Max(LastSourceSeq, input.SourceSeq);
            if (record.Sequence <= SkipThrough)
            {
                Skipped?.Invoke(input);
                continue;
            }
            Replayed++;
            yield return input;
            if (Records % 4096 == 0) await Task.Yield();
        }
    }
}
