using System.Text;

namespace Sig.Engine.Nats;

/// <summary>
/// Maps subject bytes to string instances so that a stream of messages on the same few
/// subjects does not allocate a string per message. Direct-mapped: a collision just
/// replaces the slot. Used by the socket reader only (single thread).
/// </summary>
internal sealed class SubjectCache
{
    private const int Slots = 1024;
    private readonly byte[]?[] _bytes = new byte[Slots][];
    private readonly string?[] _strings = new string[Slots];

    public string Get(ReadOnlySpan<byte> subject)
    {
        uint hash = 2166136261;
        foreach (byte b in subject) hash = (hash ^ b) * 16777619;
        int slot = (int)(hash % Slots);
        if (_bytes[slot] is { } cached && subject.SequenceEqual(cached)) return _strings[slot]!;
        string s = Encoding.UTF8.GetString(subject);
        _bytes[slot] = subject.ToArray();
        _strings[slot] = s;
        return s;
    }
}
