using System.IO.Compression;
using System.Text;
using Sig.Replay.Csv;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Replay.Tests.Csv;

/// <summary>
/// Seeded fuzzing of the CSV importer: a small generated market (2 days) is stored, then its
/// files are mutated — byte flips, truncations, swapped fields, duplicated lines, gzip
/// damage — and imported into that store. Whatever the mutation, the import must not crash,
/// must never change a stored day, and must account for every row it read: a successful import
/// writes exactly the rows it accepted, and rows it did not write are reported as rejects or
/// after-hours skips. Each case's seed is in the failure message.
/// </summary>
public sealed class ImportFuzzTests : IDisposable
{
    private const int Cases = 300;
    private readonly TempDir _dir = new();
    private readonly string _store;
    private readonly string[] _names = ["trades.csv", "orders.csv", "reference.csv"];
    private readonly byte[][] _original;
    private readonly SortedDictionary<string, byte[]> _stored;

    public ImportFuzzTests()
    {
        string csv = _dir.Sub("csv");
        using (var writer = new CanonicalCsvWriter(csv))
            new MarketGenerator(new GeneratorSettings { Stocks = 4, Days = 2, EventsPerStockDay = 150, Seed = 23 }).Generate(writer);
        _original = [.. _names.Select(n => File.ReadAllBytes(Path.Combine(csv, n)))];
        _store = _dir.Sub("store");
        var first = CsvImporter.ImportIntoStore(Path.Combine(csv, _names[0]), Path.Combine(csv, _names[1]), Path.Combine(csv, _names[2]), _store);
        Assert.True(first.Success, first.Error);
        _stored = ImportIntegrityTests.StoreBytes(_store);
        Assert.Equal(2, _stored.Count);
    }

    [Fact]
    public void Mutated_files_never_crash_the_import_never_change_a_stored_day_and_every_row_is_accounted_for()
    {
        int successes = 0, refusals = 0;
        for (int c = 0; c < Cases; c++)
        {
            var rng = new Random(1000 + c);
            string caseDir = _dir.Sub($"case{c}");
            Directory.CreateDirectory(caseDir);
            var files = _original.Select(b => (byte[])b.Clone()).ToArray();
            // Half the cases move the whole import to days the store lacks, so mutations meet an import that can succeed.
            if (rng.Next(2) == 0) for (int f = 0; f < files.Length; f++) files[f] = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(files[f]).Replace("2024-", "2031-"));
            int target = rng.Next(3);
            for (int m = 1 + rng.Next(3); m > 0; m--) files[target] = Mutate(files[target], rng);
            bool gzip = rng.Next(4) == 0;
            var paths = new string[3];
            for (int f = 0; f < 3; f++)
            {
                paths[f] = Path.Combine(caseDir, _names[f] + (gzip ? ".gz" : ""));
                File.WriteAllBytes(paths[f], gzip ? GzipThenDamage(files[f], rng, damage: f == target) : files[f]);
            }
            var options = new ImportOptions { AllowRejects = rng.Next(2) == 0 };

            ImportResult result;
            try
            {
                result = CsvImporter.ImportIntoStore(paths[0], paths[1], paths[2], _store, options);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"case {c} (seed {1000 + c}) crashed the import: {ex}");
            }

            var now = ImportIntegrityTests.StoreBytes(_store);
            foreach (var (name, bytes) in _stored)
                Assert.True(now.TryGetValue(name, out var after) && bytes.AsSpan().SequenceEqual(after), $"case {c}: stored day {name} changed");
            Assert.Empty(Directory.GetFiles(_store, ".tmp-*"));

            long read = result.Trades.Rows + result.Orders.Rows;
            long unwritten = result.Trades.Rejected + result.Orders.Rejected + result.SkippedAfterHours;
            if (result.Success)
            {
                successes++;
                Assert.Equal(read - unwritten, result.EventsWritten);
                if (!gzip) Assert.Equal(DataLines(files[0]) + DataLines(files[1]), read);
                if (!options.AllowRejects) Assert.Equal(0, result.TotalRejects);
                // What was written reads back whole, and holds what the import says it wrote.
                var store = TickStore.Open(_store);
                long stored = 0;
                foreach (var day in result.Days)
                {
                    using var d = store.OpenDay(day.Date);
                    d.VerifyAll();
                    Assert.Equal(day.Events, d.TotalEvents);
                    stored += d.TotalEvents;
                }
                Assert.Equal(result.EventsWritten, stored);
            }
            else
            {
                refusals++;
                Assert.False(string.IsNullOrEmpty(result.Error), $"case {c}: refused without a reason");
                Assert.Equal(_stored.Keys, now.Keys); // a refused import writes nothing
            }
            // Back to the two stored days for the next case.
            foreach (var extra in now.Keys.Except(_stored.Keys)) File.Delete(Path.Combine(_store, extra));
            Directory.Delete(caseDir, true);
        }
        // The mutations must exercise both outcomes, or the properties above were never tested.
        Assert.True(successes >= 10 && refusals >= 100, $"{successes} successes, {refusals} refusals");
    }

    /// <summary>Rows a reader sees: lines after the header, a last line without its newline included.</summary>
    private static long DataLines(byte[] file)
    {
        if (file.Length == 0) return 0;
        long lines = file.Count(b => b == (byte)'\n') + (file[^1] == (byte)'\n' ? 0 : 1);
        return Math.Max(0, lines - 1);
    }

    private static byte[] Mutate(byte[] file, Random rng)
    {
        if (file.Length == 0) return file;
        switch (rng.Next(5))
        {
            case 0: // flip a byte
            {
                var b = (byte[])file.Clone();
                b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                return b;
            }
            case 1: // truncate anywhere
                return file[..rng.Next(file.Length)];
            case 2: // swap two fields of one line
            {
                var lines = Encoding.UTF8.GetString(file).Split('\n');
                int l = rng.Next(lines.Length);
                var fields = lines[l].Split(',');
                if (fields.Length > 1)
                {
                    int a = rng.Next(fields.Length), z = rng.Next(fields.Length);
                    (fields[a], fields[z]) = (fields[z], fields[a]);
                    lines[l] = string.Join(',', fields);
                }
                return Encoding.UTF8.GetBytes(string.Join('\n', lines));
            }
            case 3: // duplicate a line elsewhere (a repeated seq, a second reference row)
            {
                var lines = Encoding.UTF8.GetString(file).Split('\n').ToList();
                lines.Insert(1 + rng.Next(Math.Max(1, lines.Count - 1)), lines[rng.Next(lines.Count)]);
                return Encoding.UTF8.GetBytes(string.Join('\n', lines));
            }
            default: // overwrite a digit with another digit (a plausible-looking wrong value: price, seq, time, date)
            {
                var b = (byte[])file.Clone();
                for (int tries = 0; tries < 64; tries++)
                {
                    int at = rng.Next(b.Length);
                    if (b[at] is >= (byte)'0' and <= (byte)'9') { b[at] = (byte)('0' + rng.Next(10)); break; }
                }
                return b;
            }
        }
    }

    /// <summary>The file gzip-compressed; when <paramref name="damage"/>, also cut or flipped in its compressed form half the time.</summary>
    private static byte[] GzipThenDamage(byte[] file, Random rng, bool damage)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(file);
        var bytes = ms.ToArray();
        if (!damage || rng.Next(2) == 0) return bytes;
        if (rng.Next(2) == 0) return bytes[..rng.Next(bytes.Length)];
        bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
        return bytes;
    }

    public void Dispose() => _dir.Dispose();
}
