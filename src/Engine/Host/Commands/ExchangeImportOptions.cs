using System.CommandLine;
using Sig.Replay.Csv;
using Sig.Replay.Csv.Exchange;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>The `engine import` options for SZSE/SSE vendor files, and the report of what the exchange part found.</summary>
public sealed class ExchangeImportOptions
{
    private readonly (ExchangeLayout Layout, Option<string?> Option)[] _files =
        [.. Enum.GetValues<ExchangeLayout>().Select(l => (l, new Option<string?>(ExchangeLayouts.OptionName(l)) { Description = Describe(l) }))];
    private readonly Option<string?> _date = new("--date") { Description = "Trading date (YYYY-MM-DD) of exchange rows whose time carries no date and that have no TradingDay column" };

    /// <summary>Adds the options to the command.</summary>
    public void AddTo(Command command)
    {
        foreach (var (_, option) in _files) command.Options.Add(option);
        command.Options.Add(_date);
    }

    /// <summary>The exchange input of a parsed command line, or null when no vendor file was given.</summary>
    public ExchangeInput? Parse(ParseResult parse)
    {
        var sources = _files.Select(f => (f.Layout, Path: parse.GetValue(f.Option))).Where(f => f.Path is not null)
            .Select(f => new ExchangeSource(f.Layout, f.Path!)).ToList();
        if (sources.Count == 0) return null;
        var dateText = parse.GetValue(_date);
        DateOnly? date = dateText is null ? null : Cli.ParseDate(dateText, "--date");
        return new ExchangeInput(sources, Cli.LoadConfig(parse).Import?.Columns, date);
    }

    private static string Describe(ExchangeLayout layout) => layout switch
    {
        ExchangeLayout.SzseOrders => "SZSE 逐笔委托 CSV (ChannelNo, ApplSeqNum, SecurityID, Price, OrderQty, Side, TransactTime, OrdType), plain or .gz",
        ExchangeLayout.SzseTrades => "SZSE 逐笔成交 CSV (ChannelNo, ApplSeqNum, BidApplSeqNum, OfferApplSeqNum, SecurityID, LastPx, LastQty, ExecType, TransactTime)",
        ExchangeLayout.SseOrders => "SSE 逐笔委托 CSV (OrderIndex, OrderChannel, SecurityID, OrderTime, OrderType, OrderNO, OrderPrice, Balance, OrderBSFlag, BizIndex)",
        ExchangeLayout.SseTrades => "SSE 逐笔成交 CSV (TradeIndex, TradeChannel, SecurityID, TradeTime, TradePrice, TradeQty, TradeMoney, TradeBuyNo, TradeSellNo, TradeBSFlag, BizIndex)",
        _ => "SSE merged 逐笔 CSV (BizIndex, Channel, SecurityID, TickTime, Type, BuyOrderNO, SellOrderNO, Price, Qty, TradeMoney, TickBSFlag)",
    };

    /// <summary>Prints channel losses, duplicates and the SSE reconstruction counts.</summary>
    public static void Print(ExchangeInput exchange)
    {
        var losses = exchange.Losses;
        if (losses.Count == 0) AnsiConsole.MarkupLine("exchange channels: no lost or duplicated messages");
        foreach (var (date, l) in losses) AnsiConsole.MarkupLine(Markup.Escape(Describe(date, l)));
        foreach (var d in exchange.Duplicates)
            AnsiConsole.MarkupLine(Markup.Escape($"duplicate: {d.Date:yyyy-MM-dd} {d.Exchange} channel {d.Channel} seq {d.Seq} at {d.File} line {d.Line} (first at {d.FirstFile} line {d.FirstLine}); imported once"));
        if (exchange.UncheckedNote is { } note) AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(note)}[/]");
        var r = exchange.Rebuild;
        if (r.OrdersCompletedFromFills + r.OrdersRebuiltFromFills + r.FillsOnUnpublishedOrders > 0)
            AnsiConsole.MarkupLine($"SSE orders rebuilt: {r.OrdersCompletedFromFills:N0} completed with their aggressor fills, {r.OrdersRebuiltFromFills:N0} rebuilt from fills alone (filled on arrival); fills on never-published orders: {r.FillsOnUnpublishedOrders:N0}");
    }

    /// <summary>One line per channel: "2024-01-02 SZ ApplSeqNum channel 2011: 8 received, 2 lost (3-4), …".</summary>
    public static string Describe(DateOnly date, Sig.Replay.Store.ChannelLoss l) =>
        $"channel loss: {date:yyyy-MM-dd} {l.Exchange} {l.Stream} channel {l.Channel}: {l.Received:N0} received, {l.Lost:N0} lost"
        + (l.Lost > 0 ? $" ({Ranges(l.Missing)})" : "") + $", {l.Duplicates:N0} duplicate(s), {l.FillsOnLostOrders:N0} fill(s) on lost orders";

    /// <summary>The first ranges, "a-b, c, …".</summary>
    public static string Ranges(IReadOnlyList<Sig.Replay.Store.SeqRange> ranges, int max = 8) =>
        string.Join(", ", ranges.Take(max)) + (ranges.Count > max ? $", … ({ranges.Count} ranges)" : "");
}
