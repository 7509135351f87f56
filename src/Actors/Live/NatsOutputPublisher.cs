using NATS.Client.Core;
using Sig.Actors.Pipeline;
using Sig.Engine.Nats;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Engine.Text;

namespace Sig.Actors.Live;

/// <summary>
/// Publishes each closed minute as docs/nats.md says: every symbol's <c>factors.intraday.&lt;sym&gt;</c>,
/// the <c>factors.snapshot</c>, at the close the <c>factors.daily</c> and the close stages
/// products (<c>signals.&lt;model&gt;</c>, <c>portfolio.&lt;strategy&gt;</c>), and last the
/// <c>engine.digest</c>; each with <c>Nats-Msg-Id: &lt;journalId&gt;:&lt;date&gt;:&lt;minute&gt;:&lt;kind&gt;[:&lt;sym&gt;]</c>,
/// which is the same when a recovered engine publishes the minute again, so SIG_OUT keeps one
/// copy. The digest goes last: once it is in SIG_OUT, the whole minute is.
/// </summary>
public sealed class NatsOutputPublisher(NatsConnection nats, MarketSubjects subjects, string journalId) : IMinuteOutputSink
{
    /// <summary>Minutes up to and including this one were already published (found in SIG_OUT at start) and are skipped.</summary>
    public (DateOnly Date, int Minute)? SkipThrough { get; set; }

    /// <summary>Messages published.</summary>
    public long Published { get; private set; }

    private readonly List<double> _publishMillis = [];

    /// <summary>Milliseconds each published minute took to publish and flush (benchmarks read it after the run).</summary>
    public IReadOnlyList<double> PublishMillis => _publishMillis;

    /// <summary>Benchmarks: records when each minute starts publishing, is buffered and is flushed (null: nothing recorded).</summary>
    public MinuteTimeline? Timeline { get; init; }

    /// <summary>A transient failure ridden out (logged by the session).</summary>
    public Action<string>? OnTransientError { get; init; }

    /// <summary>
    /// The session is stopping: a minute that cannot be published now (NATS away) is left
    /// unpublished instead of retried forever. Nothing is lost: a restart replays the journal
    /// and republishes every minute after the last one SIG_OUT holds.
    /// </summary>
    public CancellationToken Stopping { get; init; }

    /// <summary>Minutes left unpublished because the session stopped while NATS was away.</summary>
    public int Unpublished { get; private set; }

    /// <summary>
    /// Publishes the minute and waits until the server has it. While the server is away the
    /// whole minute is tried again until it goes through: repeats are the same messages with
    /// the same Msg-Ids, which SIG_OUT drops.
    /// </summary>
    public async ValueTask PublishAsync(MinuteOutput output, CancellationToken cancellationToken)
    {
        var s = output.Snapshot;
        if (SkipThrough is { } skip && (s.Date, s.Minute).CompareTo(skip) <= 0) return;
        long started = System.Diagnostics.Stopwatch.GetTimestamp(); // wall-clock ok: benchmark timing only
        Timeline?.Mark(MinutePoint.PublishStart, s.Minute, started);
        while (true)
        {
            // The client waits for a reconnect rather than failing a publish; an attempt is bounded so that
            // a stop during an outage is noticed.
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(Stopping.IsCancellationRequested ? StoppingAttemptTimeout : AttemptTimeout);
            try
            {
                await PublishOnceAsync(output, attempt.Token).ConfigureAwait(false);
                _publishMillis.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds); // wall-clock ok: benchmark timing only
                break;
            }
            catch (NatsPayloadTooLargeException e)
            {
                // Not transient: retrying cannot help, and dropping the minute would lose output.
                throw new InvalidOperationException(
                    $"minute {s.Minute}: {e.Message}; the snapshot of {s.Symbols.Length} symbols needs a larger max_payload in nats-server's config (e.g. max_payload: 8MB)", e);
            }
            catch (Exception e) when (e is NatsException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                string why = e is OperationCanceledException ? $"not confirmed within {(Stopping.IsCancellationRequested ? StoppingAttemptTimeout : AttemptTimeout).TotalSeconds:0} s" : e.Message;
                if (Stopping.IsCancellationRequested)
                {
                    Unpublished++;
                    OnTransientError?.Invoke($"publish minute {s.Minute}: {why}; stopping, so left to the next start (it republishes from the journal)");
                    return;
                }
                OnTransientError?.Invoke($"publish minute {s.Minute}: {why}; retrying");
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StoppingAttemptTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Every message of the minute goes into the client's write buffer back to back (the client
    /// writes them to the socket in large chunks, not one write each), then one PING/PONG round
    /// trip confirms the server has them all: one flush per minute.
    /// </summary>
    private async ValueTask PublishOnceAsync(MinuteOutput output, CancellationToken cancellationToken)
    {
        var s = output.Snapshot;
        string id = $"{journalId}:{CanonicalRows.FormatDate(s.Date)}:{s.Minute}:";
        // The per-symbol payloads take their numbers' texts from the snapshot payload's rows (already
        // written, most of them copied from the writer's cell cache) instead of formatting them again.
        int rowAt = 0;
        for (int i = 0; i < s.Symbols.Length; i++)
        {
            string sym = s.Symbols[i].ToString();
            await Add(subjects.Intraday(sym), IntradayOf(output, i, ref rowAt), id + "intraday:" + sym, cancellationToken).ConfigureAwait(false);
        }
        await Add(subjects.Snapshot, output.SnapshotPayload.Memory, id + "snapshot", cancellationToken).ConfigureAwait(false);
        if (output.DailyPayload is { } daily) await Add(subjects.Daily, daily.Memory, id + "daily", cancellationToken).ConfigureAwait(false);
        foreach (var p in output.CloseProducts)
            await Add($"{subjects.Prefix}.{p.Subject}", p.Payload, id + p.Kind, cancellationToken).ConfigureAwait(false);
        await Add(subjects.Digest, FactorPayloads.Digest(s.Date, s.Minute, output.Digest), id + "digest", cancellationToken).ConfigureAwait(false);
        Timeline?.Mark(MinutePoint.Buffered, s.Minute);
        await nats.PingAsync(cancellationToken).ConfigureAwait(false);
        Timeline?.Mark(MinutePoint.Flushed, s.Minute);
    }

    // One header set, rewritten per message: the client serializes it into its write buffer during the
    // publish, which is awaited before the next one (a new NatsHeaders per message was a dictionary each).
    private readonly NatsHeaders _headers = new();

    // Symbol i's intraday payload; rowAt is where row i starts in the snapshot payload (moved past it),
    // so the rows are found in one pass over the payload across the awaits of the minute.
    private static byte[] IntradayOf(MinuteOutput output, int i, ref int rowAt)
    {
        var payload = output.SnapshotPayload.Span;
        var rows = rowAt == 0 ? new SnapshotPayloadRows(payload) : new SnapshotPayloadRows(payload, rowAt);
        var row = rows.Next();
        rowAt = rows.Position;
        return FactorPayloads.Intraday(output.Snapshot, i, row);
    }

    private async ValueTask Add(string subject, ReadOnlyMemory<byte> payload, string msgId, CancellationToken cancellationToken)
    {
        _headers[StoredMessages.MsgIdHeader] = msgId;
        await nats.PublishAsync(subject, payload, _headers, cancellationToken: cancellationToken).ConfigureAwait(false);
        Published++;
    }

    /// <summary>Parses a Msg-Id of this scheme: (journal id, date, minute), or null.</summary>
    public static (string JournalId, DateOnly Date, int Minute)? ParseMsgId(string msgId)
    {
        var parts = msgId.Split(':');
        if (parts.Length < 4 || !CanonicalRows.TryDate(parts[1], out var date) || !int.TryParse(parts[2], out int minute)) return null;
        return (parts[0], date, minute);
    }
}
