package dev.redsaga.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redsaga.protocol.WireJson;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The figures of a goodput run, as a table, as JSON and as a plot (JFreeChart), and the verdict that matters under
 * overload: the highest goodput seen, and the goodput at twice the rate it was seen at, as a share of it.
 */
record GoodputReport(String store, String db, int products, List<GoodputBench.Step> steps) {

    /** The kind of store, for titles: an in-memory H2's name is noise. */
    String storeKind() {
        if (store.startsWith("redis")) {
            return "redis";
        }
        if (store.startsWith("jdbc:postgresql")) {
            return "postgres";
        }
        if (store.startsWith("jdbc:mariadb") || store.startsWith("jdbc:mysql")) {
            return "mariadb";
        }
        return store.startsWith("h2:mem:") ? "h2 (in memory)" : store.startsWith("h2:") ? "h2" : store;
    }

    /** The step with the highest goodput. */
    GoodputBench.Step best() {
        return steps.stream().max(Comparator.comparingDouble(GoodputBench.Step::goodput)).orElseThrow();
    }

    /** The first step offered at least twice the rate of the best goodput, if the run went that far. */
    Optional<GoodputBench.Step> atTwiceTheMaximum() {
        long twice = 2L * best().rate();
        return steps.stream().filter(s -> s.rate() >= twice).min(Comparator.comparingInt(GoodputBench.Step::rate));
    }

    void printTable(PrintWriter out) {
        out.println();
        out.printf("  goodput against offered load (store %s, services on %s, %d product%s)%n", storeKind(), db, products,
                products == 1 ? "" : "s");
        out.println("  offered/s  accepted  refused   unsent  succeeded  goodput/s  drain s    p50 ms    p99 ms"
                + "  calls/saga  shed  store/saga");
        for (GoodputBench.Step s : steps) {
            out.printf("  %9d  %8d  %7d  %7d  %9d  %9.1f  %7s  %8.1f  %8.1f  %10.2f  %4d  %10.2f%n", s.rate(),
                    s.accepted(), s.refused(), s.behind(), s.succeeded(), s.goodput(),
                    s.drained() ? String.format("%.1f", s.drainSeconds()) : ">" + (long) s.drainSeconds(), s.p50Ms(),
                    s.p99Ms(), s.requestsPerSaga(), s.shed(), s.storeCallsPerSaga());
        }
        out.println("  (calls/saga: branch requests the services received per saga that ended; shed: those they "
                + "answered 503 unrun;");
        out.println("   store/saga: the coordinator's store round trips per saga that ended)");
        GoodputBench.Step best = best();
        out.printf("  maximum goodput %.1f/s (offered %d/s)", best.goodput(), best.rate());
        atTwiceTheMaximum().ifPresentOrElse(
                s -> out.printf("; at %d/s offered it is %.0f%% of that%n", s.rate(), 100 * s.goodput() / best.goodput()),
                () -> out.println("; no rate of twice that was offered"));
    }

    ObjectNode json() {
        ObjectNode o = WireJson.mapper().createObjectNode();
        o.put("mode", "order-stock");
        o.put("store", store);
        o.put("db", db);
        o.put("products", products);
        ArrayNode a = o.putArray("steps");
        for (GoodputBench.Step s : steps) {
            ObjectNode j = a.addObject();
            j.put("rate", s.rate());
            j.put("offered", s.offered());
            j.put("accepted", s.accepted());
            j.put("refused", s.refused());
            j.put("unsent", s.behind());
            j.put("succeeded", s.succeeded());
            j.put("failed", s.failed());
            j.put("goodput_per_s", BenchCommand.round(s.goodput(), 1));
            j.put("drained", s.drained());
            j.put("drain_s", BenchCommand.round(s.drainSeconds(), 1));
            j.put("p50_ms", BenchCommand.round(s.p50Ms(), 1));
            j.put("p99_ms", BenchCommand.round(s.p99Ms(), 1));
            j.put("branch_requests", s.branchRequests());
            j.put("branch_requests_per_saga", BenchCommand.round(s.requestsPerSaga(), 2));
            j.put("shed", s.shed());
            j.put("store_calls_per_saga", BenchCommand.round(s.storeCallsPerSaga(), 2));
        }
        o.put("max_goodput_per_s", BenchCommand.round(best().goodput(), 1));
        atTwiceTheMaximum().ifPresent(s -> o.put("goodput_at_twice_max_ratio",
                BenchCommand.round(s.goodput() / best().goodput(), 3)));
        return o;
    }

    /** Goodput and the offered load itself (what a system that kept up would do) against the offered load. */
    void plot(Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeries goodput = new XYSeries("goodput (sagas succeeded/s)");
        XYSeries offered = new XYSeries("offered (keeping up)");
        for (GoodputBench.Step s : steps) {
            goodput.add(s.rate(), s.goodput());
            offered.add(s.rate(), s.rate());
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(goodput);
        data.addSeries(offered);
        JFreeChart chart = ChartFactory.createXYLineChart("redsaga goodput — store " + storeKind() + ", services on " + db,
                "offered load (sagas/s)", "sagas/s", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        r.setSeriesPaint(0, new Color(0x1f77b4));
        r.setSeriesStroke(0, new BasicStroke(2.5f));
        r.setSeriesPaint(1, Color.GRAY);
        r.setSeriesStroke(1, new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {6f, 6f}, 0f));
        plot.setRenderer(r);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 540);
    }
}
