using System.Runtime.CompilerServices;
using Sig.Engine.Events;

namespace Sig.Actors.Live;

/// <summary>
/// Md messages (subject, payload) parsed into inputs without a network: what the live source
/// does, minus NATS and the journal. `engine demo` uses it when no nats-server is installed.
/// </summary>
public sealed class MdMessageSource(IEnumerable<(string Subject, byte[] Payload)> messages, MdMessageParser parser) : IMarketEventSource
{
    public string Name => "md-in-process";

    public async IAsyncEnumerable<MarketInput> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parsed = new List<MarketInput>();
        ulong seq = 0;
        foreach (var (subject, payload) in messages)
        {
            cancellationToken.ThrowIfCancellationRequested();
            parsed.Clear();
            parser.Parse(subject, payload, ++seq, parsed);
            foreach (var input in parsed) yield return input;
        }
        await Task.CompletedTask;
    }
}
