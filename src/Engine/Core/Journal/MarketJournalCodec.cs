using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Sig.Engine.Events;

namespace Sig.Engine.Journal;

/// <summary>
/// A <see cref="MarketInput"/> as one journal record: the record's type byte is the input's
/// <see cref="MarketInputKind"/>, the payload is little-endian date (day number), source seq
/// (u64), then the body: symbol codes, raw <see cref="TickEvent"/> bytes, a time, or the
/// reject as JSON. One input is one record, so a torn tail loses whole inputs only.
/// </summary>
public static class MarketJournalCodec
{
    private const int HeadBytes = sizeof(int) + sizeof(ulong);

    /// <summary>The record type byte of an input.</summary>
    public static byte TypeOf(MarketInput input) => (byte)input.Kind;

    public static byte[] Encode(MarketInput input)
    {
        int body = input.Kind switch
        {
            MarketInputKind.DayStart => input.Symbols.Length * sizeof(int),
            MarketInputKind.Ticks => input.Events.Length * Marshal.SizeOf<TickEvent>(),
            MarketInputKind.Clock => sizeof(int),
            MarketInputKind.Rejected => -1,
            _ => throw new ArgumentOutOfRangeException(nameof(input), input.Kind, "unknown input kind"),
        };
        byte[] rejectJson = input.Kind == MarketInputKind.Rejected ? JsonSerializer.SerializeToUtf8Bytes(input.Reject) : [];
        if (body < 0) body = rejectJson.Length;
        var payload = new byte[HeadBytes + body];
        BinaryPrimitives.WriteInt32LittleEndian(payload, input.Date.DayNumber);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(sizeof(int)), input.SourceSeq);
        var dst = payload.AsSpan(HeadBytes);
        switch (input.Kind)
        {
            case MarketInputKind.DayStart:
                for (int i = 0; i < input.Symbols.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(dst[(i * sizeof(int))..], input.Symbols[i].Value);
                break;
            case MarketInputKind.Ticks:
                MemoryMarshal.AsBytes(input.Events).CopyTo(dst);
                break;
            case MarketInputKind.Clock:
                BinaryPrimitives.WriteInt32LittleEndian(dst, input.Time);
                break;
            default:
                rejectJson.CopyTo(dst);
                break;
        }
        return payload;
    }

    /// <summary>Decodes a record; a malformed payload is an <see cref="InvalidDataException"/> naming the record.</summary>
    public static MarketInput Decode(in JournalRecord record)
    {
        var payload = record.Payload.Span;
        if (payload.Length < HeadBytes) throw Bad(record, "too short for its header");
        var date = DateOnly.FromDayNumber(BinaryPrimitives.ReadInt32LittleEndian(payload));
        ulong seq = BinaryPrimitives.ReadUInt64LittleEndian(payload[sizeof(int)..]);
        var body = payload[HeadBytes..];
        switch ((MarketInputKind)record.Type)
        {
            case MarketInputKind.DayStart:
                if (body.Length % sizeof(int) != 0) throw Bad(record, "ragged symbol list");
                var symbols = new SymbolCode[body.Length / sizeof(int)];
                for (int i = 0; i < symbols.Length; i++) symbols[i] = new SymbolCode(BinaryPrimitives.ReadInt32LittleEndian(body[(i * sizeof(int))..]));
                return MarketInput.DayStart(date, symbols, seq);
            case MarketInputKind.Ticks:
                if (body.Length % Marshal.SizeOf<TickEvent>() != 0) throw Bad(record, "ragged event array");
                return MarketInput.Ticks(date, MemoryMarshal.Cast<byte, TickEvent>(body).ToArray(), seq);
            case MarketInputKind.Clock:
                if (body.Length != sizeof(int)) throw Bad(record, "clock of the wrong length");
                return MarketInput.Clock(date, BinaryPrimitives.ReadInt32LittleEndian(body), seq);
            case MarketInputKind.Rejected:
                var reject = JsonSerializer.Deserialize<MarketReject>(body) ?? throw Bad(record, "empty reject");
                return MarketInput.Rejected(date, reject, seq);
            default:
                throw Bad(record, $"unknown type {record.Type}");
        }
    }

    private static InvalidDataException Bad(in JournalRecord record, string what) =>
        new($"journal record {record.Sequence}: {what}");
}
