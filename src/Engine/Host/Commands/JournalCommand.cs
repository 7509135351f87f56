using System.CommandLine;
using System.Globalization;
using Sig.Engine.Journal;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>`engine journal …`: inspection of journal directories.</summary>
public sealed class JournalCommand : ICliCommand
{
    /// <summary>Exit code of `journal verify` when a record in the middle of the journal is corrupt.</summary>
    public const int CorruptExitCode = 3;

    public Command Build()
    {
        var journal = new Command("journal", "Inspect journal directories");
        journal.Subcommands.Add(BuildVerify());
        return journal;
    }

    private static Command BuildVerify()
    {
        var dir = new Argument<DirectoryInfo>("dir") { Description = "Journal directory (journal-*.seg files)" };
        var verify = new Command("verify",
            "Read every record, checking checksums, the sequence chain and the checkpoint (records the writer vouched for at its last minute watermark). " +
            "Exit 0 when sound or only the tail after the checkpoint is torn (the writer cuts it on its next open), 3 when a record is corrupt, a segment is missing or the journal was cut short of its checkpoint.");
        verify.Arguments.Add(dir);
        verify.SetAction(parse => Verify(parse.GetValue(dir)!.FullName));
        return verify;
    }

    private static int Verify(string directory)
    {
        if (!Directory.Exists(directory))
        {
            // Reported here, on stderr like every error: System.CommandLine's own handler would print a stack trace for it.
            Cli.Error($"{directory}: no such directory");
            return 1;
        }
        JournalReader reader;
        try
        {
            reader = JournalReader.Open(directory);
        }
        catch (InvalidDataException ex)
        {
            AnsiConsole.MarkupLine($"[red]CORRUPT:[/] {Markup.Escape(ex.Message)}");
            return CorruptExitCode;
        }
        using (reader) return Summarize(directory, reader);
    }

    private static int Summarize(string directory, JournalReader reader)
    {
        var byType = new long[256];
        long records = 0, first = 0, last = 0;
        string? corruption = null;
        try
        {
            while (reader.TryReadNext(out var record))
            {
                if (records == 0) first = record.Sequence;
                last = record.Sequence;
                records++;
                byType[record.Type]++;
            }
        }
        catch (InvalidDataException ex)
        {
            corruption = ex.Message;
        }

        var table = new Table().AddColumn("journal").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("directory", Markup.Escape(directory));
        table.AddRow("segments", reader.Segments.ToString(CultureInfo.InvariantCulture));
        table.AddRow(corruption is null ? "records" : "records before the corruption", records.ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("sequence range", records == 0 ? "(empty)" : $"{first} .. {last}");
        for (int type = 0; type < byType.Length; type++)
            if (byType[type] > 0) table.AddRow($"  type {type}", byType[type].ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("torn tail bytes", (reader.TornTail?.Bytes ?? 0).ToString(CultureInfo.InvariantCulture));
        var checkpoint = JournalCheckpoint.Read(directory);
        table.AddRow("checkpoint", checkpoint is null ? "(none: never synced)" : $"records through {checkpoint.LastSequence}, segment {checkpoint.Segment}");
        AnsiConsole.Write(table);

        if (corruption is not null)
        {
            AnsiConsole.MarkupLine($"[red]CORRUPT:[/] {Markup.Escape(corruption)}");
            return CorruptExitCode;
        }
        if (reader.TornTail is { } torn)
        {
            AnsiConsole.MarkupLine($"[yellow]torn tail:[/] {Markup.Escape(torn.ToString())}; {torn.Bytes} bytes after sequence {last}. " +
                                   "Sound up to there; the writer cuts the tail when it next opens the journal.");
            return 0;
        }
        AnsiConsole.MarkupLine("[green]sound[/]");
        return 0;
    }
}
