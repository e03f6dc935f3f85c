package io.moe4j.train.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * PNG charts of a run, drawn from its {@code metrics.jsonl} (so they can be redrawn at any time): the training
 * loss, the per-domain validation loss, the sampling weights over time, and one expert-load heat map per MoE
 * layer (share of the layer's routed slots that each expert received, per step). Uses JFreeChart in headless
 * mode, so it works on servers without a display.
 */
public final class Plots {
    private static final int W = 900;
    private static final int H = 560;

    private Plots() {}

    /** Draws every chart the metrics allow into {@code dir}; returns the files written. */
    public static List<Path> write(Path metricsFile, Path dir) {
        System.setProperty("java.awt.headless", "true");
        List<JsonNode> lines = MetricsLog.read(metricsFile);
        List<Path> out = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            XYSeriesCollection loss = new XYSeriesCollection();
            loss.addSeries(series("loss", lines, n -> n.get("loss")));
            loss.addSeries(series("LM loss", lines, n -> n.get("lm_loss")));
            save(line("Training loss", "loss", loss), dir.resolve("loss.png"), out);
            XYSeriesCollection val = keyed(lines, "val_loss");
            if (val.getSeriesCount() > 0) save(line("Validation loss per domain", "loss", val), dir.resolve("val_loss.png"), out);
            XYSeriesCollection w = keyed(lines, "sampler_weights");
            if (w.getSeriesCount() > 0) save(line("Sampling weights", "weight", w), dir.resolve("sampler_weights.png"), out);
            int layers = 0;
            for (JsonNode n : lines) layers = Math.max(layers, n.path("expert_load").size());
            for (int l = 0; l < layers; l++) {
                JFreeChart c = heatMap(lines, l);
                if (c != null) save(c, dir.resolve(String.format("expert_load_layer%02d.png", l)), out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write plots to " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    private interface Field {
        JsonNode get(JsonNode line);
    }

    private static XYSeries series(String name, List<JsonNode> lines, Field f) {
        XYSeries s = new XYSeries(name, true, false);
        for (JsonNode n : lines) {
            JsonNode v = f.get(n);
            if (v != null && v.isNumber() && Double.isFinite(v.asDouble())) s.addOrUpdate(n.get("step").asDouble(), v.asDouble());
        }
        return s;
    }

    /** One series per key of the object field {@code field} (a domain name). */
    private static XYSeriesCollection keyed(List<JsonNode> lines, String field) {
        Map<String, XYSeries> byKey = new LinkedHashMap<>();
        for (JsonNode n : lines) {
            JsonNode o = n.get(field);
            if (o == null || !o.isObject()) continue;
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isNumber() || !Double.isFinite(e.getValue().asDouble())) continue;
                byKey.computeIfAbsent(e.getKey(), k -> new XYSeries(k, true, false))
                        .addOrUpdate(n.get("step").asDouble(), e.getValue().asDouble());
            }
        }
        XYSeriesCollection c = new XYSeriesCollection();
        byKey.values().forEach(c::addSeries);
        return c;
    }

    private static JFreeChart line(String title, String yLabel, XYSeriesCollection data) {
        JFreeChart c = ChartFactory.createXYLineChart(title, "step", yLabel, data, PlotOrientation.VERTICAL, true, false, false);
        ((NumberAxis) c.getXYPlot().getRangeAxis()).setAutoRangeIncludesZero(false);
        c.getXYPlot().setBackgroundPaint(Color.WHITE);
        c.getXYPlot().setRangeGridlinePaint(Color.LIGHT_GRAY);
        c.getXYPlot().setDomainGridlinePaint(Color.LIGHT_GRAY);
        return c;
    }

    /** Steps on x, experts on y, colour = share of the layer's slots routed to the expert at that step. */
    private static JFreeChart heatMap(List<JsonNode> lines, int layer) {
        List<double[]> cells = new ArrayList<>();  // x, y, z
        int experts = 0;
        double lastStep = 0, firstStep = Double.NaN;
        for (JsonNode n : lines) {
            JsonNode counts = n.path("expert_load").path(layer);
            if (!counts.isArray() || counts.size() == 0) continue;
            double total = 0;
            for (JsonNode c : counts) total += c.asDouble();
            if (total <= 0) continue;
            double step = n.get("step").asDouble();
            if (Double.isNaN(firstStep)) firstStep = step;
            lastStep = step;
            experts = Math.max(experts, counts.size());
            for (int e = 0; e < counts.size(); e++) cells.add(new double[] {step, e, counts.get(e).asDouble() / total});
        }
        if (cells.isEmpty()) return null;
        double[][] xyz = new double[3][cells.size()];
        double max = 0, min = 1;
        for (int i = 0; i < cells.size(); i++) {
            for (int k = 0; k < 3; k++) xyz[k][i] = cells.get(i)[k];
            max = Math.max(max, cells.get(i)[2]);
            min = Math.min(min, cells.get(i)[2]);
        }
        if (max - min < 1e-9) max = min + 1e-9;
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("load", xyz);
        NumberAxis x = new NumberAxis("step");
        NumberAxis y = new NumberAxis("expert");
        y.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        y.setRange(-0.5, experts - 0.5);
        x.setRange(firstStep - 0.5, lastStep + 0.5);
        XYBlockRenderer r = new XYBlockRenderer();
        // colours span the observed range (not 0..max), so small imbalances stay visible
        LookupPaintScale scale = new LookupPaintScale(min, max + (max - min) * 1e-4, Color.WHITE);
        for (int i = 0; i < 32; i++) {
            float f = i / 31f;
            scale.add(min + (max - min) * i / 32.0, new Color(1f - 0.8f * f, 1f - 0.9f * f, 1f - 0.3f * f));
        }
        r.setPaintScale(scale);
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        JFreeChart c = new JFreeChart("Expert load, layer " + layer + " (share of routed slots)", plot);
        c.removeLegend();
        NumberAxis zAxis = new NumberAxis("share");
        PaintScaleLegend legend = new PaintScaleLegend(scale, zAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        c.addSubtitle(legend);
        return c;
    }

    private static void save(JFreeChart chart, Path file, List<Path> out) throws IOException {
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, W, H);
        out.add(file);
    }
}
