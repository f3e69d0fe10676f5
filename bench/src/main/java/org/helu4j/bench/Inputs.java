package org.helu4j.bench;

import java.util.List;
import java.util.SplittableRandom;
import org.helu4j.Model;
import org.helu4j.graph.ValueInfo;

/** Benchmark inputs: the model's declared shape with the batch filled in, random values from a fixed seed. */
final class Inputs {
    private Inputs() {
    }

    /** The dims of input {@code i} with every symbolic (-1) dimension set to {@code batch}. */
    static long[] dims(Model model, int i, int batch) {
        List<ValueInfo> ins = model.inputs();
        long[] d = ins.get(i).dims();
        if (d == null) {
            throw new IllegalArgumentException("input '" + ins.get(i).name() + "' declares no shape");
        }
        for (int j = 0; j < d.length; j++) {
            if (d[j] < 0) {
                d[j] = batch;
            }
        }
        if (d.length > 0 && ins.get(i).dims()[0] >= 0 && batch != d[0]) {
            throw new IllegalArgumentException("input '" + ins.get(i).name() + "' has a fixed batch of " + d[0]);
        }
        return d;
    }

    /** Uniform values in [-1, 1) (standard normal would do as well: the kernels do not branch on values). */
    static float[] random(long[] dims, long seed) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return v;
    }
}
