using Sig.Engine.Hashing;
using System.Text;
using Sig.Engine.Journal;
using Xunit;

namespace Sig.Engine.Tests.Journal;

public class Crc32CTests
{
    [Fact]
    public void Standard_check_value() =>
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));

    [Fact]
    public void Hardware_path_equals_table_path_at_every_length()
    {
        var rng = new Random(7);
        var data = new byte[300];
        rng.NextBytes(data);
        for (int n = 0; n <= data.Length; n++)
            Assert.Equal(~Crc32C.UpdateSoftware(~0u, data.AsSpan(0, n)), Crc32C.Compute(data.AsSpan(0, n)));
    }

    [Fact]
    public void Three_lane_stripes_equal_the_table_path_at_stripe_edges_offsets_and_registers()
    {
        // Stripes are 3 × 4096 bytes: lengths around one, two and many stripes, at odd offsets, from any register.
        const int Stripe = 3 * 4096;
        var rng = new Random(11);
        var data = new byte[5 * Stripe + 64];
        rng.NextBytes(data);
        foreach (int n in new[] { Stripe - 1, Stripe, Stripe + 1, Stripe + 8, 2 * Stripe - 3, 2 * Stripe, 2 * Stripe + 13, 5 * Stripe })
            foreach (int offset in new[] { 0, 1, 7, 63 })
                foreach (uint register in new[] { ~0u, 0u, 0x12345678u })
                {
                    var span = data.AsSpan(offset, Math.Min(n, data.Length - offset));
                    Assert.Equal(Crc32C.UpdateSoftware(register, span), Crc32C.UpdateWithoutFolding(register, span));
                }
        // A stripe of zeros and of ones (the shift tables' corner cases), and a checksum split across calls.
        Assert.Equal(Crc32C.UpdateSoftware(~0u, new byte[Stripe]), Crc32C.Update(~0u, new byte[Stripe]));
        var ones = Enumerable.Repeat((byte)0xFF, Stripe + 5).ToArray();
        Assert.Equal(Crc32C.UpdateSoftware(~0u, ones), Crc32C.Update(~0u, ones));
        Assert.Equal(Crc32C.Compute(data), Crc32C.Append(Crc32C.Append(0, data.AsSpan(0, Stripe + 3)), data.AsSpan(Stripe + 3)));
    }
}

public class Crc32CFoldingTests
{
    [Fact]
    public void Folded_blocks_equal_the_table_path_around_every_fold_edge()
    {
        // The fold takes 256 bytes a round, then 64, then 16, then the lanes the rest: lengths on and
        // around each edge, odd offsets, any register. On a CPU without 512-bit carry-less multiplies
        // Update is the lanes path, which this checks the same way.
        var rng = new Random(13);
        var data = new byte[70_000];
        rng.NextBytes(data);
        var lengths = new List<int> { 511, 512, 513, 527, 528, 575, 576, 767, 768, 769, 1024 + 15, 4096, 12_288 + 7, 65_536 + 200 };
        for (int k = 0; k < 40; k++) lengths.Add(rng.Next(512, 4096));
        foreach (int n in lengths)
            foreach (int offset in new[] { 0, 1, 13, 64 })
                foreach (uint register in new[] { ~0u, 0u, 0xDEADBEEFu })
                {
                    var span = data.AsSpan(offset, n);
                    Assert.Equal(Crc32C.UpdateSoftware(register, span), Crc32C.Update(register, span));
                }
        // All zeros and all ones, and a checksum split across calls at a point inside a round.
        Assert.Equal(Crc32C.UpdateSoftware(~0u, new byte[4096]), Crc32C.Update(~0u, new byte[4096]));
        var ones = Enumerable.Repeat((byte)0xFF, 4096 + 3).ToArray();
        Assert.Equal(Crc32C.UpdateSoftware(~0u, ones), Crc32C.Update(~0u, ones));
        Assert.Equal(Crc32C.Compute(data), Crc32C.Append(Crc32C.Append(0, data.AsSpan(0, 1000)), data.AsSpan(1000)));
    }
}

public class JournalTests : IDisposable
{
    private readonly JournalFixture _journal = new();

    public void Dispose() => _journal.Dispose();

    [Fact]
    public void Round_trip_across_segment_rolls()
    {
        using (var writer = JournalWriter.Open(_journal.Directory, JournalFixture.Options()))
        {
            JournalFixture.AppendUpTo(writer, 1000);
            Assert.Equal(1000, writer.LastSequence);
            Assert.True(writer.Segments >= 10, $"only {writer.Segments} segments");
            Assert.Equal(writer.Segments, _journal.Segments.Count);
        }
        foreach (var (_, path) in _journal.Segments) Assert.True(new FileInfo(path).Length <= 2048);

        var (all, torn) = _journal.ReadAll();
        Assert.Null(torn);
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), all);

        // Starting mid-journal (mid-segment) yields exactly the suffix.
        Assert.Equal(Enumerable.Range(777, 224).Select(i => (long)i), _journal.ReadAll(777).Sequences);
        Assert.Empty(_journal.ReadAll(1001).Sequences);
    }

    [Fact]
    public void A_record_larger_than_a_segment_gets_a_segment_of_its_own()
    {
        using (var writer = JournalWriter.Open(_journal.Directory, JournalFixture.Options(segmentBytes: 100)))
        {
            writer.Append(1, new byte[10]);
            writer.Append(2, new byte[500]);
            writer.Append(3, new byte[10]);
            Assert.Equal(3, writer.Segments);
        }
        using var reader = JournalReader.Open(_journal.Directory);
        var sizes = new List<int>();
        while (reader.TryReadNext(out var r)) sizes.Add(r.Payload.Length);
        Assert.Equal([10, 500, 10], sizes);
    }

    [Theory]
    [InlineData("always")] [InlineData("minute")] [InlineData("segment")] [InlineData("never")]
    public void Sequence_continues_across_reopen_under_every_fsync_policy(string fsync)
    {
        var options = JournalFixture.Options(fsync: fsync);
        _journal.Write(100, options);
        using (var writer = JournalWriter.Open(_journal.Directory, options))
        {
            Assert.Equal(100, writer.LastSequence);
            Assert.Equal(0, writer.TornTailsCut);
            JournalFixture.AppendUpTo(writer, 150);
            writer.Sync();
        }
        Assert.Equal(Enumerable.Range(1, 150).Select(i => (long)i), _journal.ReadAll().Sequences);
    }

    [Fact]
    public void Unknown_fsync_policy_is_rejected() =>
        Assert.Throws<ArgumentException>(() => JournalWriter.Open(_journal.Directory, JournalFixture.Options(fsync: "sometimes")));

    [Fact]
    public void A_journal_can_be_read_while_the_writer_appends()
    {
        using var writer = JournalWriter.Open(_journal.Directory, JournalFixture.Options());
        JournalFixture.AppendUpTo(writer, 250);
        var (seqs, torn) = _journal.ReadAll();
        Assert.Equal(250, seqs.Count);
        Assert.Null(torn);
        JournalFixture.AppendUpTo(writer, 260);
        Assert.Equal(Enumerable.Range(251, 10).Select(i => (long)i), _journal.ReadAll(251).Sequences);
    }

    [Fact]
    public void Bad_options_leave_the_directory_unlocked()
    {
        Assert.Throws<ArgumentException>(() => JournalWriter.Open(_journal.Directory, JournalFixture.Options(segmentBytes: 10)));
        using var writer = JournalWriter.Open(_journal.Directory, JournalFixture.Options());
        Assert.Equal(1, writer.Append(1, [42]));
    }

    [Fact]
    public void A_second_writer_on_the_same_directory_is_refused()
    {
        using var first = JournalWriter.Open(_journal.Directory, JournalFixture.Options());
        Assert.Throws<IOException>(() => JournalWriter.Open(_journal.Directory, JournalFixture.Options()));
    }

    [Fact]
    public void Torn_tail_at_every_kind_of_offset_is_cut_and_appending_continues()
    {
        const long total = 300;
        var rng = new Random(42);
        for (int trial = 0; trial < 40; trial++)
        {
            using var journal = new JournalFixture();
            journal.Write(total);
            var (lastIndex, lastPath) = journal.Segments[^1];
            long firstSeq = JournalFixture.FirstSequenceOf(lastPath);
            var boundaries = JournalFixture.RecordBoundaries(firstSeq, total);
            long length = new FileInfo(lastPath).Length;
            Assert.Equal(boundaries[^1], length);

            // The first trials cut at hand-picked places: inside the header, on a boundary, one byte short.
            long cut = trial switch
            {
                0 => 0, 1 => 7, 2 => SegmentFormat.HeaderBytes, 3 => boundaries[^2], 4 => length - 1,
                5 => boundaries[^2] + 5, _ => rng.NextInt64(0, length),
            };
            using (var file = new FileStream(lastPath, FileMode.Open)) file.SetLength(cut);

            long expectedLast;
            bool cleanCut;
            if (cut < SegmentFormat.HeaderBytes)
            {
                expectedLast = firstSeq - 1;
                cleanCut = false;
            }
            else
            {
                int complete = boundaries.FindLastIndex(b => b <= cut);
                expectedLast = firstSeq - 1 + complete;
                cleanCut = boundaries[complete] == cut;
            }

            using (var writer = JournalWriter.Open(journal.Directory, JournalFixture.Options()))
            {
                Assert.Equal(expectedLast, writer.LastSequence);
                Assert.Equal(cleanCut ? 0 : 1, writer.TornTailsCut);
                if (cut >= SegmentFormat.HeaderBytes)
                {
                    Assert.Equal(cut - boundaries.FindLast(b => b <= cut), writer.TruncatedTailBytes);
                    Assert.Equal(boundaries.FindLast(b => b <= cut), new FileInfo(lastPath).Length);
                }
                else
                {
                    Assert.False(File.Exists(lastPath), "a segment torn inside its header is removed");
                }
                JournalFixture.AppendUpTo(writer, total + 20);
                Assert.Equal(total + 20, writer.LastSequence);
            }
            var (seqs, torn) = journal.ReadAll();
            Assert.Null(torn);
            Assert.Equal(Enumerable.Range(1, (int)total + 20).Select(i => (long)i), seqs);
            Assert.True(lastIndex >= 2);
        }
    }

    [Theory]
    [InlineData(false)] [InlineData(true)]
    public void Garbage_or_zeros_after_the_last_record_are_a_torn_tail(bool zeros)
    {
        _journal.Write(200);
        string lastPath = _journal.Segments[^1].Path;
        var junk = new byte[333];
        if (!zeros) new Random(3).NextBytes(junk);
        using (var file = new FileStream(lastPath, FileMode.Append)) file.Write(junk);

        var (seqs, torn) = _journal.ReadAll();
        Assert.Equal(200, seqs.Count);
        Assert.NotNull(torn);
        Assert.Equal(junk.Length, torn.Bytes);

        using (var writer = JournalWriter.Open(_journal.Directory, JournalFixture.Options()))
        {
            Assert.Equal(200, writer.LastSequence);
            Assert.Equal(1, writer.TornTailsCut);
            Assert.Equal(junk.Length, writer.TruncatedTailBytes);
            JournalFixture.AppendUpTo(writer, 201);
        }
        Assert.Null(_journal.ReadAll(201).TornTail);
    }

    [Fact]
    public void Kill_mid_append_leaves_a_prefix_of_a_record_which_is_cut()
    {
        // What `kill -9` during an append leaves: the journal up to record 120 plus the first
        // bytes of record 121, written straight to the file as the writer would have.
        _journal.Write(120);
        var record = new byte[SegmentFormat.RecordHeaderBytes + JournalFixture.PayloadOf(121).Length];
        SegmentFormat.WriteRecord(record, 121, JournalFixture.TypeOf(121), JournalFixture.PayloadOf(121));
        foreach (int written in new[] { 1, 4, 8, 16, 17, record.Length - 1 })
        {
            using (var file = new FileStream(_journal.Segments[^1].Path, FileMode.Append)) file.Write(record.AsSpan(0, written));
            using var writer = JournalWriter.Open(_journal.Directory, JournalFixture.Options());
            Assert.Equal(120, writer.LastSequence);
            Assert.Equal(written, writer.TruncatedTailBytes);
        }
        _journal.Write(121);
        Assert.Equal(Enumerable.Range(1, 121).Select(i => (long)i), _journal.ReadAll().Sequences);
    }

    [Fact]
    public void Flipped_byte_in_the_last_record_of_the_last_segment_is_a_torn_tail()
    {
        _journal.Write(200);
        string lastPath = _journal.Segments[^1].Path;
        JournalFixture.FlipByte(lastPath, new FileInfo(lastPath).Length - 1 - JournalFixture.PayloadOf(200).Length / 2);

        var (seqs, torn) = _journal.ReadAll();
        Assert.Equal(199, seqs.Count);
        Assert.NotNull(torn);
        Assert.Contains("checksum", torn.Reason);

        using var writer = JournalWriter.Open(_journal.Directory, JournalFixture.Options());
        Assert.Equal(199, writer.LastSequence);
        Assert.Equal(1, writer.TornTailsCut);
    }

    [Theory]
    [InlineData(0, "payload")] [InlineData(1, "payload")] [InlineData(1, "length")] [InlineData(1, "sequence")]
    public void Flipped_byte_mid_journal_is_an_error_naming_file_and_offset(int segmentFromEnd, string field)
    {
        _journal.Write(400);
        var segments = _journal.Segments;
        // segmentFromEnd 0: a middle record of the last segment; 1: a record in an earlier, complete segment.
        string path = segments[^(1 + segmentFromEnd)].Path;
        long firstSeq = JournalFixture.FirstSequenceOf(path);
        long lastSeq = segmentFromEnd == 0 ? 400 : JournalFixture.FirstSequenceOf(segments[^1].Path) - 1;
        var boundaries = JournalFixture.RecordBoundaries(firstSeq, lastSeq);
        int victim = boundaries.Count / 3;
        while (JournalFixture.PayloadOf(firstSeq + victim).Length == 0) victim++;
        long recordOffset = boundaries[victim];
        long flipAt = field switch { "length" => recordOffset + 1, "sequence" => recordOffset + 8, _ => recordOffset + 20 };
        JournalFixture.FlipByte(path, flipAt);

        var error = Assert.Throws<InvalidDataException>(() => _journal.ReadAll());
        Assert.Contains(path, error.Message);
        Assert.Contains($"offset {recordOffset}", error.Message);
        // The writer refuses to "recover" by cutting good records.
        if (segmentFromEnd == 0)
            Assert.Throws<InvalidDataException>(() => JournalWriter.Open(_journal.Directory, JournalFixture.Options()));
    }

    [Fact]
    public void A_missing_segment_is_an_error()
    {
        _journal.Write(400);
        File.Delete(_journal.Segments[2].Path);
        var error = Assert.Throws<InvalidDataException>(() => _journal.ReadAll());
        Assert.Contains("missing", error.Message);
    }
}
