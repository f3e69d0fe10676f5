package org.helu4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The demo's PNG: test accuracy against p50 latency, one point per model, one series per activation. */
final class AccuracyChart {
    private static final Marker[] MARKERS = {SeriesMarkers.CIRCLE, SeriesMarkers.DIAMOND, SeriesMarkers.SQUARE,
        SeriesMarkers.TRIANGLE_UP, SeriesMarkers.CROSS};

    private AccuracyChart() {
    }

    static Path write(Comparison.Report report, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(600)
                .title("helu4j: test accuracy vs latency (batch 1, one thread, " + report.imagesEvaluated()
                        + " test images)")
                .xAxisTitle("p50 latency (ms)").yAxisTitle("test accuracy (%)").build();
        chart.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        chart.getStyler().setMarkerSize(9);
        // A log axis only where latencies span more than a decade: XChart labels only its powers of ten.
        double[] p50 = report.models().stream().mapToDouble(r -> Interleaved.millis(r.latency(), 50)).toArray();
        double min = Arrays.stream(p50).min().orElse(1);
        double max = Arrays.stream(p50).max().orElse(1);
        if (min > 0 && max / min > 10) {
            chart.getStyler().setXAxisLogarithmic(true);
            chart.setXAxisTitle("p50 latency (ms, log scale)");
        }
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (ComparisonTable.Group g : ComparisonTable.groups(report.models())) {
            for (Comparison.ModelResult r : g.models()) {
                series.computeIfAbsent(g.activation(), k -> new ArrayList<>())
                        .add(new double[] {Interleaved.millis(r.latency(), 50), 100 * r.accuracy()});
            }
        }
        int i = 0;
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            double[] x = e.getValue().stream().mapToDouble(p -> p[0]).toArray();
            double[] y = e.getValue().stream().mapToDouble(p -> p[1]).toArray();
            chart.addSeries(e.getKey(), x, y).setMarker(MARKERS[i++ % MARKERS.length]);
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        String name = file.toString();
        return name.toLowerCase().endsWith(".png") ? file : Path.of(name + ".png");
    }
}
