using Sig.Engine.Events;
using Sig.Engine.Journal;

namespace Sig.Actors.Live;

/// <summary>
/// The part of a live md source between the network and the engine: parses each pulled message
/// (<see cref="MdMessageParser"/>), merges consecutive tick inputs into one, and journals a pulled
/// batch's inputs with one write before the source acknowledges and yields them. Shared by the
/// whole-stream source (<see cref="NatsMarketSource"/>) and the partitioned one
/// (<see cref="PartitionedMdSource"/>), so both journal exactly the same way.
/// </summary>
public sealed class MdInputJournaler(MdMessageParser parser, JournalWriter journal, ulong resumeAfter)
{
    private readonly List<MarketInput> _parsed = [];
    private readonly List<MarketInput> _batchInputs = [];
    private readonly List<TickEvent> _mergedTicks = [];
    private ulong _mergedSeq;
    private DateOnly _mergedDate;

    /// <summary>The parser the messages go through.</summary>
    public MdMessageParser Parser => parser;

    /// <summary>The source sequence of the last message consumed (journaled once the batch is).</summary>
    public ulong LastSourceSeq { get; private set; } = resumeAfter;

    /// <summary>
    /// Parses one message into the pending batch. Consecutive tick inputs are merged into one (a
    /// clock, day start or reject ends the run), so the pipeline and the journal see one input
    /// per run of rows between heartbeats rather than one per message; the merged input carries
    /// the last message's sequence, and being one journal record it is consumed all or nothing.
    /// </summary>
    public void Consume(string subject, ReadOnlySpan<byte> data, ulong seq)
    {
        _parsed.Clear();
        parser.Parse(subject, data, seq, _parsed);
        foreach (var input in _parsed)
        {
            if (input.Kind == MarketInputKind.Ticks && (_mergedTicks.Count == 0 || input.Date == _mergedDate))
            {
                _mergedTicks.AddRange(input.Events);
                _mergedSeq = input.SourceSeq;
                _mergedDate = input.Date;
                continue;
            }
            EndMergedTicks();
            if (input.Kind == MarketInputKind.Ticks)
            {
                _mergedTicks.AddRange(input.Events);
                _mergedSeq = input.SourceSeq;
                _mergedDate = input.Date;
            }
            else _batchInputs.Add(input);
        }
        LastSourceSeq = seq;
    }

    /// <summary>
    /// Journals the pending batch's inputs with one write and returns them. Appends reach the OS at
    /// once (no user-space buffer), so a killed process loses nothing it acked; when the batch closed
    /// a minute the journal is synced (journal.fsync decides what that means).
    /// </summary>
    public List<MarketInput> JournalBatch(int closedBefore)
    {
        EndMergedTicks();
        journal.BeginBatch();
        foreach (var input in _batchInputs) journal.Append(MarketJournalCodec.TypeOf(input), MarketJournalCodec.Encode(input));
        journal.CommitBatch();
        var inputs = new List<MarketInput>(_batchInputs);
        _batchInputs.Clear();
        if (parser.ClosedMinutes != closedBefore) journal.Sync();
        return inputs;
    }

    private void EndMergedTicks()
    {
        if (_mergedTicks.Count == 0) return;
        _batchInputs.Add(MarketInput.Ticks(_mergedDate, [.. _mergedTicks], _mergedSeq));
        _mergedTicks.Clear();
    }
}
