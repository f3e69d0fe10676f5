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
 * The measurements behind {@code infer demo} and {@code infer compare}, in three phases: accuracy and dead units of
 * each model recomputed on the test set, then latency and throughput of all models interleaved in one loop.
 * Evaluation is held to a time budget; when the full set does not fit, a prefix of it is used and the report
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
            if (n != card.recordedTotal() || Double.isNaN(card.recordedAccuracy())) {
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
    /** Evaluation proceeds in chunks of at most this many images for every model, checking the budget in between. */
    static final int EVAL_CHUNK = 1000;

    private Comparison() {
    }

    /** One model, loaded twice: as it runs in production (timed) and with its activations exposed (evaluated). */
    private record Loaded(Path file, ModelCard card, Model plain, Model observed, List<ActivationLayers.Layer> layers,
            List<String> plan) {
    }

    static Report run(List<Path> requested, Options o, PrintStream log) throws IOException {
        long start = System.nanoTime();
        IdxDataset all = EvalCommand.loadData(o.data(), o.limit());
        List<Loaded> loaded = new ArrayList<>();
        try {
            for (Path f : requested) {
                try {
                    loaded.add(load(f, all));
                } catch (CliException e) {
                    if (!o.skipBroken()) {
                        throw e;
                    }
                    // The demo keeps going without a model that cannot run (one still being written, say).
                    log.println("infer: skipping " + e.getMessage());
                }
            }
            if (loaded.isEmpty()) {
                throw new CliException("none of the models could be loaded");
            }
            return measure(loaded, all, o, log, start);
        } finally {
            for (Loaded l : loaded) {
                l.plain().close();
                l.observed().close();
            }
        }
    }

    private static Loaded load(Path f, IdxDataset all) {
        List<ActivationLayers.Layer> layers = Models.layers(f);
        Model plain = Models.load(f);
        try {
            ModelCard card = ModelCard.of(f, plain);
            checkFits(card, all);
            return new Loaded(f, card, plain, Models.loadObserved(f, layers), layers, planSignature(plain.plan()));
        } catch (RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    /**
     * Accuracy first, a chunk of the test set at a time for every model, until the budget is spent: this adapts to
     * the machine's real speed, and it leaves the JIT warm for the latency loop that follows.
     */
    private static Report measure(List<Loaded> models, IdxDataset all, Options o, PrintStream log, long start) {
        int k = models.size();
        int[] correct = new int[k];
        DeadUnitCounter[] dead = new DeadUnitCounter[k];
        for (int i = 0; i < k; i++) {
            dead[i] = new DeadUnitCounter(models.get(i).layers());
        }
        log.printf("evaluating %d models on the test set (%d threads), in growing chunks while the budget lasts ...%n",
                k, o.threads());
        long evalStart = System.nanoTime();
        double budget = o.evalSeconds() * 1e9;
        int n = 0;
        try (Progress p = Progress.start("eval", (long) all.size() * k)) {
            // Chunks of 100, 100, 200, 400, ... images for every model: each round ends with all models on the same
            // prefix, and a round is started only if its estimated time fits the budget. The estimate comes from
            // the last round, but never from the first, which pays for the JIT's warm-up.
            double nanosPerImage = 0;
            for (int round = 0; n < all.size(); round++) {
                int size = Math.min(Math.min(EVAL_CHUNK, Math.max(100, n)), all.size() - n);
                long elapsed = System.nanoTime() - evalStart;
                double estimate = round >= 2 ? nanosPerImage * size : 0;
                if (round > 0 && !o.full() && elapsed + estimate > budget) {
                    break;
                }
                IdxDataset chunk = all.slice(n, size);
                long roundStart = System.nanoTime();
                for (int i = 0; i < k; i++) {
                    Loaded m = models.get(i);
                    Evaluation.Result r = Evaluation.run(m.observed(), m.card(), chunk, 125, o.threads(), m.layers(), p);
                    correct[i] += r.correct();
                    if (r.dead() != null) {
                        dead[i].merge(r.dead());
                    }
                }
                nanosPerImage = (double) (System.nanoTime() - roundStart) / size;
                n += size;
            }
        }

        List<Session> sessions = new ArrayList<>();
        try {
            List<Tensor> one = new ArrayList<>();
            List<Tensor> many = new ArrayList<>();
            int b = Math.min(THROUGHPUT_BATCH, all.size());
            for (Loaded m : models) {
                sessions.add(m.plain().newSession());
                Preprocessing pre = Preprocessing.of(m.card());
                one.add(Tensor.of(all.normalized(0, 1, pre), m.card().batchDims(1)));
                many.add(Tensor.of(all.normalized(0, b, pre), m.card().batchDims(b)));
            }
            log.printf("measuring latency: %d models, batch 1, interleaved ...%n", k);
            Histogram[] latency;
            try (Progress p = Progress.start("latency", (long) (o.latencySeconds() * 1000))) {
                latency = Interleaved.measure(sessions, one, 3, 10, 100_000, (long) (o.latencySeconds() * 1e9),
                        new long[k], p);
            }
            log.printf("measuring throughput: batch %d, interleaved ...%n", b);
            long[] batchNanos = new long[k];
            Histogram[] big;
            try (Progress p = Progress.start("throughput", (long) (o.throughputSeconds() * 1000))) {
                big = Interleaved.measure(sessions, many, 1, 1, 10_000, (long) (o.throughputSeconds() * 1e9),
                        batchNanos, p);
            }
            List<ModelResult> results = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                Loaded m = models.get(i);
                double throughput = (double) b * big[i].getTotalCount() / (batchNanos[i] / 1e9);
                double deadFraction = m.layers().isEmpty() ? Double.NaN : dead[i].totalFraction();
                results.add(new ModelResult(m.file(), m.card(), n, correct[i], deadFraction, latency[i], throughput,
                        m.plan()));
            }
            return new Report(results, n, all.size(), (int) latency[0].getTotalCount(), (int) big[0].getTotalCount(),
                    o.threads(), (System.nanoTime() - start) / 1e9);
        } finally {
            sessions.forEach(Session::close);
        }
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
