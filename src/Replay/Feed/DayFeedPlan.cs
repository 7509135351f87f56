using System.Collections;
using System.Globalization;
using System.Text;
using Sig.Engine.Events;
using Sig.Engine.Nats;
using Sig.Engine.Text;
using Sig.Engine.Time;
using Sig.Replay.Generator;
using Sig.Replay.Store;

namespace Sig.Replay.Feed;

/// <summary>
/// The messages that publish one stored day on the NATS md subjects (docs/nats.md), the way an
/// exchange feed handler would: enumerated lazily, deterministically (the same day, seed and
/// limits give the same messages, bytes and order, every time it is enumerated).
/// <list type="number">
/// <item>The reference: <c>&lt;prefix&gt;.md.ref</c>, CSV with the header line then one row per
/// reference row, <c>\n</c>-separated; split into several messages (each with the header) when one
/// would exceed <see cref="MaxPayloadBytes"/>.</item>
/// <item>Events by exchange second: for each window [T, T+1 s) every symbol's events with time in it
/// (a symbol's events always leave in store = seq order). Symbols are interleaved with the seeded
/// RNG: pick a random symbol that still has events in the window, take from its cursor the maximal
/// run of consecutive events of one kind (trade or order), capped at a random 1..<see cref="MaxRows"/>
/// rows (and at <see cref="MaxPayloadBytes"/>), and emit it on <c>md.trade.&lt;sym&gt;</c> or
/// <c>md.order.&lt;sym&gt;</c> as canonical CSV rows without header, <c>\n</c>-separated.</item>
/// <item>When a window's events are all out, a clock <c>{"v":1,"date":"YYYY-MM-DD","time":T+1000ms}</c> on
/// <c>md.clock</c>: exchange time has reached the window's end. Windows run from the first event's
/// second (or 09:15:00, whichever is earlier) to 15:00:00 with a clock every second, quiet ones
/// included, except that the lunch seconds after 11:30:01 are one window [11:30:01, 13:00:00).</item>
/// <item>Last, the window [15:00:00.000, ∞) — the closing auction and anything stamped later — and the
/// clock 150000001 that closes minute 240.</item>
/// </list>
/// So every event precedes every clock later than it, clocks increase, and each symbol's events keep
/// seq order across its trade and order subjects. A symbol's window membership follows its cursor (a
/// prefix rule, like replay's): were a store's times ever to decrease within a symbol's seq order, the
/// earlier-stamped event would leave with its predecessor's window rather than break seq order.
/// Message ordinals (<c>Nats-Msg-Id</c> <c>feed:&lt;date&gt;:&lt;ordinal&gt;</c>) are positions in
/// this sequence, so a re-run must use the same seed and limits to be de-duplicated correctly.
/// </summary>
public sealed class DayFeedPlan : IEnumerable<FeedMessage>
{
    /// <summary>Default cap on rows per trade/order message.</summary>
    public const int DefaultMaxRows = 64;

    /// <summary>Half of the NATS default max_payload (1 MiB), the default payload cap.</summary>
    public const int DefaultMaxPayloadBytes = 512 * 1024;

    /// <summary>Time of the day's last clock: one millisecond after the closing auction, closing minute 240.</summary>
    public const int FinalClockTime = ExchangeTime.SessionClose + 1;

    /// <summary>Last second boundary before the lunch break gets its own clock; the next one is 13:00:00.000.</summary>
    public const int LunchSkipFrom = 113001000;

    /// <summary>
    /// Events buffered per symbol cursor (the store is read in chunks this size). A tick store chunk is
    /// nine positioned reads, a syscall each, so chunks are as large as the replay source's slots
    /// (<c>StoreEventSource.ReadAheadEvents</c>): 14 KB a symbol.
    /// </summary>
    private const int ChunkEvents = 256;

    private readonly IDayEvents _day;

    /// <summary>A plan over <paramref name="day"/> whose reference rows are written with <paramref name="schema"/>'s header.</summary>
    /// <param name="day">The stored day (any <see cref="IDayEvents"/>; events per symbol in seq order).</param>
    /// <param name="schema">Reference columns (the tick store's <see cref="TickDay.Schema"/>).</param>
    /// <param name="seed">Seed of the symbol interleaving and run sizes.</param>
    /// <param name="maxRows">Cap on rows per trade/order message (≥ 1).</param>
    /// <param name="subjects">Subject names (prefix); default prefix "sig".</param>
    /// <param name="maxPayloadBytes">Cap on a payload's bytes; pass half the server's max_payload. A single row
    /// (or the header plus one reference row) larger than this still goes out alone.</param>
    public DayFeedPlan(IDayEvents day, ReferenceSchema schema, ulong seed, int maxRows = DefaultMaxRows,
                       MarketSubjects? subjects = null, int maxPayloadBytes = DefaultMaxPayloadBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPayloadBytes, 1);
        _day = day;
        Schema = schema;
        Seed = seed;
        MaxRows = maxRows;
        Subjects = subjects ?? new MarketSubjects();
        MaxPayloadBytes = Math.Min(maxPayloadBytes, 64 << 20);
        long total = 0;
        for (int i = 0; i < day.SymbolCount; i++) total += day.EventCount(i);
        TotalEvents = total;
    }

    /// <summary>A plan over a tick store day (its own reference schema).</summary>
    public static DayFeedPlan For(TickDay day, ulong seed, int maxRows = DefaultMaxRows, MarketSubjects? subjects = null,
                                  int maxPayloadBytes = DefaultMaxPayloadBytes) =>
        new(day, day.Schema, seed, maxRows, subjects, maxPayloadBytes);

    public DateOnly Date => _day.Date;
    public ReferenceSchema Schema { get; }
    public ulong Seed { get; }
    public int MaxRows { get; }
    public int MaxPayloadBytes { get; }
    public MarketSubjects Subjects { get; }

    /// <summary>Events of the day: the rows the trade and order messages carry in total.</summary>
    public long TotalEvents { get; }

    /// <summary><c>feed:&lt;date&gt;:&lt;ordinal&gt;</c>.</summary>
    public static string MsgIdOf(DateOnly date, long ordinal) =>
        string.Create(CultureInfo.InvariantCulture, $"feed:{CanonicalRows.FormatDate(date)}:{ordinal}");

    /// <summary>The clock payload <c>{"v":1,"date":"YYYY-MM-DD","time":HHMMSSmmm}</c>.</summary>
    public static byte[] ClockPayload(DateOnly date, int time) =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{{\"v\":1,\"date\":\"{CanonicalRows.FormatDate(date)}\",\"time\":{time}}}"));

    public IEnumerator<FeedMessage> GetEnumerator() => new Enumerator(this);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The plan as a state machine: one message per <see cref="MoveNext"/>, nothing read ahead but each symbol's chunk.</summary>
    private sealed class Enumerator : IEnumerator<FeedMessage>
    {
        private enum Phase : byte { Start, Reference, Events, Done }

        private readonly DayFeedPlan _plan;
        private readonly IDayEvents _day;
        private readonly DateOnly _date;
        private readonly byte[] _datePrefix;
        private readonly string _msgIdPrefix;
        private readonly int _symbolCount;
        private DeterministicRng _rng;
        private Phase _phase;
        private long _ordinal;
        private FeedMessage _current;

        private List<(byte[] Payload, int Rows)> _reference = [];
        private int _referenceIndex;

        // Windows: k = 0.._ends.Length-1 are [end(k-1), _ends[k]) with clock _ends[k]; k = _ends.Length is the final window.
        private int[] _ends = [];
        private int _window;
        private int[] _bucketHead = [];     // per window: first symbol whose cursor's next event falls in it, -1 if none
        private readonly int[] _nextInBucket; // per symbol: the next symbol of the same bucket
        private readonly int[] _active;     // symbols with events left in the current window
        private int _activeCount;

        // Per-symbol cursors: events [_pos, _len) of a chunk buffered at _buffer[s * ChunkEvents], _read of _count read so far.
        private readonly TickEvent[] _buffer;
        private readonly int[] _pos, _len, _read, _count;
        private readonly string?[] _tradeSubjects, _orderSubjects;
        private byte[] _scratch = new byte[64 * 1024];

        public Enumerator(DayFeedPlan plan)
        {
            _plan = plan;
            _day = plan._day;
            _date = _day.Date;
            _datePrefix = CanonicalRowBytes.DatePrefix(_date);
            _msgIdPrefix = $"feed:{CanonicalRows.FormatDate(_date)}:";
            _symbolCount = _day.SymbolCount;
            _nextInBucket = new int[_symbolCount];
            _active = new int[_symbolCount];
            _buffer = new TickEvent[(long)_symbolCount * ChunkEvents];
            _pos = new int[_symbolCount];
            _len = new int[_symbolCount];
            _read = new int[_symbolCount];
            _count = new int[_symbolCount];
            _tradeSubjects = new string?[_symbolCount];
            _orderSubjects = new string?[_symbolCount];
            // The RNG stream is keyed by the date too, so two days fed with one seed interleave differently.
            _rng = DeterministicRng.For(plan.Seed, (ulong)_date.DayNumber, 0xFEED);
        }

        public FeedMessage Current => _current;
        object IEnumerator.Current => _current;

        public bool MoveNext()
        {
            switch (_phase)
            {
                case Phase.Start:
                    Initialize();
                    _phase = Phase.Reference;
                    goto case Phase.Reference;
                case Phase.Reference:
                    if (_referenceIndex < _reference.Count)
                    {
                        var (payload, rows) = _reference[_referenceIndex++];
                        Emit(_plan.Subjects.MdRef, payload, rows, FeedMessageKind.Reference, 0);
                        return true;
                    }
                    _reference = [];
                    _phase = Phase.Events;
                    LoadWindow(0);
                    goto case Phase.Events;
                case Phase.Events:
                    if (_activeCount > 0)
                    {
                        EmitRun();
                        return true;
                    }
                    int clock = _window < _ends.Length ? _ends[_window] : FinalClockTime;
                    Emit(_plan.Subjects.MdClock, ClockPayload(_date, clock), 0, FeedMessageKind.Clock, clock);
                    if (_window < _ends.Length) LoadWindow(_window + 1);
                    else _phase = Phase.Done;
                    return true;
                default:
                    return false;
            }
        }

        private void Initialize()
        {
            BuildReference();
            int first = int.MaxValue;
            for (int s = 0; s < _symbolCount; s++)
            {
                _count[s] = _day.EventCount(s);
                if (_count[s] == 0) continue;
                Refill(s);
                first = Math.Min(first, _buffer[(long)s * ChunkEvents].Time);
            }
            _ends = WindowEnds(first);
            _bucketHead = new int[_ends.Length + 1];
            Array.Fill(_bucketHead, -1);
            // Descending, so that each bucket's list starts with its smallest symbol.
            for (int s = _symbolCount - 1; s >= 0; s--)
                if (_count[s] > 0) Push(s, WindowOf(_buffer[(long)s * ChunkEvents].Time));
        }

        /// <summary>Ends of the one-second windows from min(first event's second, 09:15:00) to 15:00:00, the lunch folded into one.</summary>
        private static int[] WindowEnds(int firstEventTime)
        {
            int startMs = ExchangeTime.ToMillis(ExchangeTime.OpenAuctionStart);
            if (firstEventTime != int.MaxValue && ExchangeTime.IsValid(firstEventTime))
                startMs = Math.Min(startMs, ExchangeTime.ToMillis(firstEventTime) / 1000 * 1000);
            int closeMs = ExchangeTime.ToMillis(ExchangeTime.SessionClose);
            int lunchFrom = ExchangeTime.ToMillis(LunchSkipFrom), lunchTo = ExchangeTime.ToMillis(ExchangeTime.AfternoonOpen);
            var ends = new List<int>(closeMs / 1000 - startMs / 1000);
            for (int ms = startMs + 1000; ms <= closeMs; ms += 1000)
                if (ms <= lunchFrom || ms >= lunchTo) ends.Add(ExchangeTime.FromMillis(ms));
            return [.. ends];
        }

        /// <summary>The window holding time <paramref name="t"/>: the first k with t &lt; end(k); the final one when none.</summary>
        private int WindowOf(int t)
        {
            int lo = 0, hi = _ends.Length; // answer in [lo, hi]
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (t < _ends[mid]) hi = mid; else lo = mid + 1;
            }
            return lo;
        }

        private void Push(int symbol, int window)
        {
            _nextInBucket[symbol] = _bucketHead[window];
            _bucketHead[window] = symbol;
        }

        private void LoadWindow(int window)
        {
            _window = window;
            _activeCount = 0;
            for (int s = _bucketHead[window]; s >= 0; s = _nextInBucket[s]) _active[_activeCount++] = s;
            _bucketHead[window] = -1;
        }

        private bool Refill(int s)
        {
            int n = Math.Min(ChunkEvents, _count[s] - _read[s]);
            if (n <= 0) return false;
            _day.ReadEvents(s, _read[s], _buffer.AsSpan((int)((long)s * ChunkEvents), n));
            _read[s] += n;
            _pos[s] = 0;
            _len[s] = n;
            return true;
        }

        /// <summary>One message: a random active symbol's maximal same-kind run in the window, capped at a random size.</summary>
        private void EmitRun()
        {
            int j = _rng.NextInt(_activeCount);
            int s = _active[j];
            int cap = _rng.NextInt(1, _plan.MaxRows);
            int end = _window < _ends.Length ? _ends[_window] : int.MaxValue;
            int limit = _plan.MaxPayloadBytes;
            int baseIndex = s * ChunkEvents;
            var kind = _buffer[baseIndex + _pos[s]].Kind;
            int rows = 0, bytes = 0;
            bool more = true; // the symbol has an event left in this window
            while (true)
            {
                if (_pos[s] == _len[s] && !Refill(s)) { more = false; break; }
                ref readonly var e = ref _buffer[baseIndex + _pos[s]];
                if (e.Time >= end) { more = false; break; }
                if (rows == cap || e.Kind != kind) break;
                int sep = rows > 0 ? 1 : 0;
                if (_scratch.Length < bytes + sep + CanonicalRowBytes.MaxRowBytes)
                    Array.Resize(ref _scratch, Math.Max(_scratch.Length * 2, bytes + sep + CanonicalRowBytes.MaxRowBytes));
                int n = CanonicalRowBytes.Write(_scratch.AsSpan(bytes + sep), _datePrefix, e);
                if (rows > 0 && bytes + sep + n > limit) break;
                if (sep == 1) _scratch[bytes] = (byte)'\n';
                bytes += sep + n;
                rows++;
                _pos[s]++;
            }
            if (!more)
            {
                _active[j] = _active[--_activeCount];
                if (_pos[s] < _len[s]) Push(s, WindowOf(_buffer[baseIndex + _pos[s]].Time));
            }
            bool trade = kind == TickKind.Trade;
            string subject = trade
                ? _tradeSubjects[s] ??= _plan.Subjects.MdTrade(_day.Symbol(s).ToString())
                : _orderSubjects[s] ??= _plan.Subjects.MdOrder(_day.Symbol(s).ToString());
            Emit(subject, _scratch.AsSpan(0, bytes).ToArray(), rows, trade ? FeedMessageKind.Trade : FeedMessageKind.Order,
                 _window < _ends.Length ? _ends[_window] : FinalClockTime);
        }

        private void BuildReference()
        {
            var utf8 = new UTF8Encoding(false);
            byte[] header = utf8.GetBytes(string.Join(',', _plan.Schema.Header));
            int limit = _plan.MaxPayloadBytes;
            var buffer = new MemoryStream();
            buffer.Write(header);
            int rows = 0;
            foreach (var r in _day.References)
            {
                byte[] row = utf8.GetBytes(ReferenceLayout.FormatRow(r, _plan.Schema));
                if (rows > 0 && buffer.Length + 1 + row.Length > limit)
                {
                    _reference.Add((buffer.ToArray(), rows));
                    buffer.SetLength(0);
                    buffer.Write(header);
                    rows = 0;
                }
                buffer.WriteByte((byte)'\n');
                buffer.Write(row);
                rows++;
            }
            _reference.Add((buffer.ToArray(), rows));
        }

        private void Emit(string subject, byte[] payload, int rows, FeedMessageKind kind, int time)
        {
            long ordinal = _ordinal++;
            string msgId = string.Create(CultureInfo.InvariantCulture, $"{_msgIdPrefix}{ordinal}");
            _current = new FeedMessage(subject, payload, msgId, rows, kind, time, ordinal);
        }

        public void Reset() => throw new NotSupportedException("enumerate the plan again instead");

        public void Dispose() { }
    }
}
