using System.Runtime.CompilerServices;
using Sig.Engine.Events;
using Sig.Engine.Journal;

namespace Sig.Actors.Sources;

/// <summary>
/// The journals of a partitioned cluster's shards replayed as one run: each shard journaled its
/// partition's inputs and the control inputs (clock, day start, their rejects) in stream order,
/// so merging the journals by source (stream) sequence gives the inputs of the whole stream in
/// stream order. A control message is in every journal under the same sequence: its inputs are
/// taken from the first journal that holds them and skipped in the others (a partition's
/// sequences are in one journal only). Within a journal the order is kept, so a message's inputs
/// (a reject before its rows) stay together.
/// </summary>
public sealed class MergedJournalEventSource(IReadOnlyList<string> directories) : IMarketEventSource
{
    public string Name => "journals-merged";

    /// <summary>Inputs yielded.</summary>
    public long Replayed { get; private set; }

    public async IAsyncEnumerable<MarketInput> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var readers = directories.Select(d => JournalReader.Open(d)).ToArray();
        try
        {
            var heads = new MarketInput?[readers.Length];
            for (int j = 0; j < readers.Length; j++) heads[j] = Next(readers[j]);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int first = -1;
                for (int j = 0; j < heads.Length; j++)
                    if (heads[j] is { } h && (first < 0 || h.SourceSeq < heads[first]!.SourceSeq)) first = j;
                if (first < 0) yield break;
                ulong seq = heads[first]!.SourceSeq;
                int taken = 0;
                while (heads[first] is { } input && input.SourceSeq == seq)
                {
                    Replayed++;
                    taken++;
                    yield return input;
                    heads[first] = Next(readers[first]);
                }
                for (int j = 0; j < heads.Length; j++)
                {
                    if (j == first) continue;
                    int skipped = 0;
                    while (heads[j] is { } copy && copy.SourceSeq == seq)
                    {
                        skipped++;
                        heads[j] = Next(readers[j]);
                    }
                    if (skipped != 0 && skipped != taken)
                        throw new InvalidDataException($"{directories[j]}: {skipped} inputs at stream seq {seq}, {directories[first]}: {taken}; the journals are not of one partitioned stream");
                }
                if (Replayed % 4096 == 0) await Task.Yield();
            }
        }
        finally
        {
            foreach (var r in readers) r.Dispose();
        }
    }

    private static MarketInput? Next(JournalReader reader) => reader.TryReadNext(out var record) ? MarketJournalCodec.Decode(record) : null;
}
