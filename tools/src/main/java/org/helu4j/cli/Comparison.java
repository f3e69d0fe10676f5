package org.helu4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.helu4j.Model;
import org.helu4j.Session;
import org.helu4j.Tensor;
import org.helu4j.op.Op;
import org.helu4j.runtime.Plan;

/**
 * The measurements behind {@code infer demo} and {@code infer compare}, in three phases: latency and throughput
 * of all models interleaved in one loop, then accuracy and dead units of each model recomputed on the test set.
 * Evaluation is sized to a time budget; when the full set does not fit, a prefix of it is used and the report
 * says so.
 */
final class Comparison {
    /** How hard to measure. */
    record Options(Path data, Integer limit, int threads, double latencySeconds, double throughputSeconds,
            double evalSeconds, boolean full, boolean skipBroken) {
    }

    /** Everything measured about one model. */
    record ModelResult(Path file, ModelCard card, int n, int correct, double deadFraction, Histogram latency,
            double throughput, List<String> plan) {
        double accuracy() {
            return n == 0 ? Double.NaN : (double) correct / n;
        }

        /** True, false, or null when the recorded accuracy is absent or was measured on other images. */
        Boolean matchesRecorded() {
            if (n != 10000 || Double.isNaN(card.recordedAccuracy())) {
                return null;
            }
            int recorded = card.recordedCorrect();
            return recorded >= 0 ? recorded == correct : Math.abs(card.recordedAccuracy() - accuracy()) < 5e-5;
        }
    }

    /** The run as a whole. */
    record Report(List<ModelResult> models, int imagesEvaluated, int imagesAvailable, int latencyRounds,
            int throughputRounds, int threads, double seconds) {
    }

    static final int THROUGHPUT_BATCH = 32;

    private Comparison() {
    }

    static Report run(List<Path> requested, Options o, PrintStream log) throws IOException {
        long start = System.nanoTime();
        IdxDataset all = EvalCommand.loadData(o.data(), o.limit());
        List<Path> files = new ArrayList<>(requested);
        List<ModelCard> cards = new ArrayList<>();
        List<List<String>> plans = new ArrayList<>();
        Histogram[] latency;
        int[] rounds = new int[2];
        List<Model> models = new ArrayList<>();
        List<Session> sessions = new ArrayList<>();
        long[] batchNanos;
        int k;
        try {
            for (Path f : requested) {
                Model m;
                try {
                    m = Models.load(f);
                    models.add(m);
                    ModelCard card = ModelCard.of(f, m);
                    checkFits(card, all);
                    cards.add(card);
                } catch (CliException e) {
                    if (!o.skipBroken()) {
                        throw e;
                    }
                    // The demo keeps going without a model that cannot run (one still being written, say).
                    log.println("infer: skipping " + e.getMessage());
                    files.remove(f);
                    continue;
                }
                plans.add(planSignature(m.plan()));
                sessions.add(m.newSession());
            }
            k = files.size();
            if (k == 0) {
                throw new CliException("none of the models could be loaded");
            }
            batchNanos = new long[k];
            List<Tensor> one = new ArrayList<>();
            List<Tensor> many = new ArrayList<>();
            int b = Math.min(THROUGHPUT_BATCH, all.size());
            for (ModelCard c : cards) {
                Preprocessing pre = Preprocessing.of(c);
                one.add(Tensor.of(all.normalized(0, 1, pre), c.batchDims(1)));
                many.add(Tensor.of(all.normalized(0, b, pre), c.batchDims(b)));
            }
            log.printf("measuring latency: %d models, batch 1, interleaved ...%n", k);
            try (Progress p = Progress.start("latency", (long) (o.latencySeconds() * 1000))) {
                latency = Interleaved.measure(sessions, one, 3, 10, 100_000, (long) (o.latencySeconds() * 1e9),
                        new long[k], p);
            }
            rounds[0] = (int) latency[0].getTotalCount();
            log.printf("measuring throughput: batch %d, interleaved ...%n", b);
            Histogram[] big;
            try (Progress p = Progress.start("throughput", (long) (o.throughputSeconds() * 1000))) {
                big = Interleaved.measure(sessions, many, 1, 1, 10_000, (long) (o.throughputSeconds() * 1e9),
                        batchNanos, p);
            }
            rounds[1] = (int) big[0].getTotalCount();
            for (int i = 0; i < k; i++) {
                batchNanos[i] = batchNanos[i] / Math.max(rounds[1], 1); // now: ns per batch
            }
        } finally {
            sessions.forEach(Session::close);
            models.forEach(Model::close);
        }

        int n = imagesToEvaluate(all.size(), batchNanos, Math.min(THROUGHPUT_BATCH, all.size()), o);
        IdxDataset set = n == all.size() ? all : all.head(n);
        log.printf("evaluating %d models on %d images (%d threads) ...%n", k, n, o.threads());
        List<ModelResult> results = new ArrayList<>();
        try (Progress p = Progress.start("eval", (long) n * k)) {
            for (int i = 0; i < k; i++) {
                Path f = files.get(i);
                List<ActivationLayers.Layer> layers = Models.layers(f);
                try (Model m = Models.loadObserved(f, layers)) {
                    Evaluation.Result r = Evaluation.run(m, cards.get(i), set, 200, o.threads(), layers, p);
                    double dead = r.dead() == null ? Double.NaN : r.dead().totalFraction();
                    double throughput = Math.min(THROUGHPUT_BATCH, all.size()) / (batchNanos[i] / 1e9);
                    results.add(new ModelResult(f, cards.get(i), n, r.correct(), dead, latency[i], throughput,
                            plans.get(i)));
                }
            }
        }
        return new Report(results, n, all.size(), rounds[0], rounds[1], o.threads(), (System.nanoTime() - start) / 1e9);
    }

    /** All images, unless the estimate from the measured throughput says that they would not fit the budget. */
    private static int imagesToEvaluate(int available, long[] nanosPerBatch, int batch, Options o) {
        if (o.full()) {
            return available;
        }
        double seconds = 0;
        for (long ns : nanosPerBatch) {
            seconds += ns / 1e9 / batch * available;
        }
        seconds /= Math.max(1, Math.min(o.threads(), Runtime.getRuntime().availableProcessors()));
        if (seconds <= o.evalSeconds()) {
            return available;
        }
        int n = (int) (available * o.evalSeconds() / seconds / 500) * 500;
        return Math.max(Math.min(500, available), Math.min(n, available));
    }

    private static void checkFits(ModelCard c, IdxDataset data) {
        if (c.imageSize() != (long) data.rows() * data.cols()) {
            throw new CliException(c.file() + ": the model's input does not fit the " + data.rows() + "×" + data.cols()
                    + " images of " + data.source());
        }
    }

    /** What the model runs: each op that is not folded away, as the engine describes it. */
    static List<String> planSignature(Plan plan) {
        List<String> s = new ArrayList<>();
        List<Op> ops = plan.ops();
        for (int i = 0; i < ops.size(); i++) {
            if (!plan.isFolded(i)) {
                s.add(ops.get(i).describe());
            }
        }
        return s;
    }
}
