using ScottPlot;

namespace Sig.Research.Report;

/// <summary>The report's charts, drawn with ScottPlot as SVG text to inline in the HTML.</summary>
public static class ChartSvg
{
    public const int Width = 900;
    public const int Height = 420;

    /// <summary>Lines over dates: one series per name, a legend at the right, dates on the x axis.</summary>
    public static string Lines(string title, string yLabel, DateOnly[] dates, IReadOnlyList<(string Name, double[] Values)> series,
        double? reference = null, int width = Width, int height = Height)
    {
        var plot = new Plot();
        var xs = dates.Select(d => d.ToDateTime(TimeOnly.MinValue).ToOADate()).ToArray();
        var palette = new ScottPlot.Palettes.Category20();
        for (int k = 0; k < series.Count; k++)
        {
            var line = plot.Add.Scatter(xs, series[k].Values);
            line.LegendText = series[k].Name;
            line.MarkerSize = 0;
            line.LineWidth = series[k].Name == "benchmark" ? 3 : 1.5f;
            line.Color = series[k].Name == "benchmark" ? Colors.Black : palette.GetColor(k);
        }
        if (reference is { } r)
        {
            var h = plot.Add.HorizontalLine(r);
            h.Color = Colors.Gray;
            h.LinePattern = LinePattern.Dashed;
        }
        plot.Axes.DateTimeTicksBottom();
        plot.Title(title);
        plot.YLabel(yLabel);
        plot.ShowLegend(Edge.Right);
        return plot.GetSvgXml(width, height);
    }

    /// <summary>A symmetric matrix as a heatmap (−1 blue … +1 red) with the names on both axes and a color bar.</summary>
    public static string Heatmap(string title, IReadOnlyList<string> names, double[,] matrix, int size = 900)
    {
        int n = names.Count;
        var plot = new Plot();
        var data = new double[n, n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) data[i, j] = double.IsFinite(matrix[i, j]) ? matrix[i, j] : 0;
        var map = plot.Add.Heatmap(data);
        map.Colormap = new ScottPlot.Colormaps.MellowRainbow();
        map.ManualRange = new ScottPlot.Range(-1, 1);
        map.Extent = new CoordinateRect(-0.5, n - 0.5, -0.5, n - 0.5);
        map.Smooth = false;
        plot.Add.ColorBar(map);
        double[] at = [.. Enumerable.Range(0, n).Select(i => (double)i)];
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(at, [.. names]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 90;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 190;
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        // Row 0 is drawn at the top.
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(at, [.. names.Reverse()]);
        plot.Title(title);
        return plot.GetSvgXml(size, size);
    }
}
