package org.helu4j.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.helu4j.Model;
import org.helu4j.Session;
import org.helu4j.Tensor;

/**
 * Runs a model over a whole data set and keeps every prediction. Batches are handed out to a fixed pool, each
 * worker with its own {@link Session} (the model is shared). When the model was loaded with its activation
 * layers as extra outputs, dead units are counted in the same pass.
 */
final class Evaluation {
    /** The predictions, and the dead-unit counts when they were asked for. */
    record Result(ModelCard card, IdxDataset data, int[] predicted, DeadUnitCounter dead, double seconds) {
        int correct() {
            int c = 0;
            for (int i = 0; i < predicted.length; i++) {
                c += predicted[i] == data.label(i) ? 1 : 0;
            }
            return c;
        }

        double accuracy() {
            return predicted.length == 0 ? Double.NaN : (double) correct() / predicted.length;
        }

        /** {@code [true label][predicted label]} counts. */
        int[][] confusion(int classes) {
            int[][] m = new int[classes][classes];
            for (int i = 0; i < predicted.length; i++) {
                int t = data.label(i);
                if (t < classes && predicted[i] < classes) {
                    m[t][predicted[i]]++;
                }
            }
            return m;
        }
    }

    private Evaluation() {
    }

    /**
     * Evaluates {@code model} on {@code data}.
     *
     * @param layers the activation layers exposed as the model's last outputs, or an empty list
     */
    static Result run(Model model, ModelCard card, IdxDataset data, int requestedBatch, int threads,
            List<ActivationLayers.Layer> layers, Progress progress) {
        if (requestedBatch < 1) {
            throw new CliException("--batch must be at least 1, got " + requestedBatch);
        }
        long area = (long) data.rows() * data.cols();
        if (card.imageSize() != area) {
            throw new CliException(card.file() + ": the model takes inputs of shape "
                    + Arrays.toString(card.inputDims()).replace("-1", "batch") + ", which does not fit the "
                    + data.rows() + "×" + data.cols() + " images of " + data.source());
        }
        Preprocessing pre = Preprocessing.of(card);
        int batch = layers.isEmpty() ? requestedBatch : observedBatch(model, card, data, pre, requestedBatch);
        int n = data.size();
        int[] predicted = new int[n];
        int batches = (n + batch - 1) / batch;
        int workers = Math.max(1, Math.min(threads, batches));
        AtomicInteger next = new AtomicInteger();
        int firstExtra = model.outputs().size() - ActivationLayers.outputs(layers).size();
        long start = System.nanoTime();
        List<Future<DeadUnitCounter>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(workers, Evaluation::daemon)) {
            for (int w = 0; w < workers; w++) {
                futures.add(pool.submit(() -> work(model, card, data, pre, batch, next, predicted, layers,
                        firstExtra, progress)));
            }
        }
        DeadUnitCounter dead = layers.isEmpty() ? null : new DeadUnitCounter(layers);
        for (Future<DeadUnitCounter> f : futures) {
            DeadUnitCounter part = join(f);
            if (dead != null) {
                dead.merge(part);
            }
        }
        return new Result(card, data, predicted, dead, (System.nanoTime() - start) / 1e9);
    }

    /** Activation values copied out per batch are capped (about 64 MB), so that wide networks fit the heap. */
    private static final long OBSERVED_FLOATS_PER_BATCH = 16L << 20;

    /** The batch size that keeps the exposed activations of one batch under the cap. */
    private static int observedBatch(Model model, ModelCard card, IdxDataset data, Preprocessing pre, int batch) {
        if (data.size() == 0) {
            return batch;
        }
        long perImage = 0;
        try (Session s = model.newSession()) {
            for (Tensor t : s.run(Tensor.of(data.normalized(0, 1, pre), card.batchDims(1)))) {
                perImage += t.size();
            }
        }
        return (int) Math.max(1, Math.min(batch, OBSERVED_FLOATS_PER_BATCH / Math.max(perImage, 1)));
    }

    private static DeadUnitCounter work(Model model, ModelCard card, IdxDataset data, Preprocessing pre, int batch,
            AtomicInteger next, int[] predicted, List<ActivationLayers.Layer> layers, int firstExtra,
            Progress progress) {
        DeadUnitCounter dead = new DeadUnitCounter(layers);
        List<String> extra = ActivationLayers.outputs(layers);
        try (Session session = model.newSession()) {
            for (int b = next.getAndIncrement(); (long) b * batch < data.size(); b = next.getAndIncrement()) {
                int from = b * batch;
                int count = Math.min(batch, data.size() - from);
                List<Tensor> out = session.run(Tensor.of(data.normalized(from, count, pre), card.batchDims(count)));
                argmax(out.get(0), predicted, from);
                for (int k = 0; k < layers.size(); k++) {
                    dead.observe(k, out.get(firstExtra + extra.indexOf(layers.get(k).output())));
                }
                if (progress != null) {
                    progress.step(count);
                }
            }
        }
        return dead;
    }

    /** Writes the top class of each row of {@code logits} into {@code into[from...]}. */
    static void argmax(Tensor logits, int[] into, int from) {
        long[] d = logits.dims();
        int rows = (int) d[0];
        int k = (int) (logits.size() / Math.max(rows, 1));
        float[] v = logits.toFloatArray();
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int j = 1; j < k; j++) {
                if (v[r * k + j] > v[r * k + best]) {
                    best = j;
                }
            }
            into[from + r] = best;
        }
    }

    static DeadUnitCounter join(Future<DeadUnitCounter> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }

    static Thread daemon(Runnable r) {
        Thread t = new Thread(r, "helu4j-eval");
        t.setDaemon(true);
        return t;
    }
}
