package io.moe4j.cli.demo;

import io.moe4j.eval.Perplexity;
import io.moe4j.eval.harness.EvalReport;
import io.moe4j.eval.harness.ResultsTable;
import io.moe4j.train.run.RunSummary;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

/** report.md and the per-domain perplexity chart of a demo run; training plots are copied beside them. */
final class DemoReport {
    private DemoReport() {}

    static Path write(DemoSettings s, List<Demo.Measured> models, RunSummary run, double seconds) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path out = s.out();
        StringBuilder md = new StringBuilder();
        md.append("# moe4j demo: LLaMA-MoE on stories260K\n\n");
        md.append(String.format(Locale.ROOT, "Dense model `%s`, converted with the random split into %d experts, top-%d, sf = %.1f, "
                + "then %d continual pre-training steps of %d x %d tokens with the StaticSheared sampler on `%s`. "
                + "Whole run: %.0f s on %d cores, Java %s.%n%n", s.model().getFileName(), s.experts(), s.topK(), s.scale(),
                s.steps(), s.batch(), s.seqLen(), s.data(), seconds, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
        perplexityTable(md, models);
        chart(out.resolve("perplexity_by_domain.png"), models);
        md.append("![per-domain perplexity](perplexity_by_domain.png)\n\n");
        md.append("## Tasks (0-shot, first ").append(s.evalLimit()).append(" items of each embedded slice)\n\n");
        Map<String, EvalReport> rows = new LinkedHashMap<>();
        for (Demo.Measured m : models) rows.put(m.name(), m.tasks());
        md.append(ResultsTable.markdown(rows, false)).append("\n\n");
        costTable(md, models, s.seqLen());
        md.append("## Training\n\n```\n").append(run.table()).append("\n```\n\n");
        for (Path p : run.plots()) {
            Path dst = out.resolve(p.getFileName());
            if (!dst.toAbsolutePath().equals(p.toAbsolutePath())) Files.copy(p, dst, StandardCopyOption.REPLACE_EXISTING);
            md.append("![").append(p.getFileName()).append("](").append(p.getFileName()).append(")\n\n");
        }
        md.append("## Samples (greedy from BOS)\n\n");
        for (Demo.Measured m : models)
            md.append("**").append(m.name()).append("**: ").append(m.sample().text().replace("\n", " ").trim()).append("\n\n");
        Path report = out.resolve("report.md");
        Files.writeString(report, md.toString(), StandardCharsets.UTF_8);
        return report;
    }

    private static void perplexityTable(StringBuilder md, List<Demo.Measured> models) {
        md.append("## Validation perplexity per domain\n\n| domain | tokens |");
        for (Demo.Measured m : models) md.append(' ').append(m.name()).append(" |");
        md.append(" trained < untrained |\n|---|---:|");
        for (int i = 0; i < models.size(); i++) md.append("---:|");
        md.append("---|\n");
        for (String d : models.get(0).perplexity().keySet()) {
            md.append("| ").append(d).append(" | ").append(models.get(0).perplexity().get(d).tokens()).append(" |");
            for (Demo.Measured m : models) md.append(String.format(Locale.ROOT, " %.2f |", m.perplexity().get(d).perplexity()));
            double un = models.get(1).perplexity().get(d).perplexity(), tr = models.get(2).perplexity().get(d).perplexity();
            md.append(tr < un ? " yes" : " **no**").append(" |\n");
        }
        md.append('\n');
    }

    private static void costTable(StringBuilder md, List<Demo.Measured> models, int context) {
        md.append("## Cost\n\n| model | total params | activated params | forward FLOPs/token (context ").append(context)
                .append(") | decode tokens/s |\n|---|---:|---:|---:|---:|\n");
        for (Demo.Measured m : models)
            md.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %,d | %.0f |%n", m.name(), m.cost().totalParams(),
                    m.cost().activatedParams(), m.cost().flopsPerToken(), m.sample().tokensPerSecond()));
        md.append('\n');
    }

    private static void chart(Path png, List<Demo.Measured> models) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Demo.Measured m : models)
            for (Map.Entry<String, Perplexity.Result> e : m.perplexity().entrySet())
                data.addValue(e.getValue().perplexity(), m.name(), e.getKey().replace("RedPajama", ""));
        JFreeChart c = ChartFactory.createBarChart("Validation perplexity per domain (log scale)", "domain", "perplexity",
                data, PlotOrientation.VERTICAL, true, false, false);
        CategoryPlot plot = c.getCategoryPlot();
        double lo = Double.MAX_VALUE, hi = 0;
        for (Demo.Measured m : models)
            for (Perplexity.Result r : m.perplexity().values()) { lo = Math.min(lo, r.perplexity()); hi = Math.max(hi, r.perplexity()); }
        LogAxis axis = new LogAxis("perplexity");
        axis.setRange(Math.max(1e-3, lo / 2), hi * 2);
        plot.setRangeAxis(axis);
        ((org.jfree.chart.renderer.category.BarRenderer) plot.getRenderer()).setBase(Math.max(1e-3, lo / 2));
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ChartUtils.saveChartAsPNG(png.toFile(), c, 1000, 500);
    }
}
