package org.helu4j.bench;

import java.util.Locale;
import org.helu4j.kernel.ConvGeometry;

/**
 * The layer shapes the kernel benchmarks run, as JMH parameter strings, each tagged with where it comes from.
 *
 * <p>GEMM: {@code "tag:MxNxK"}, C[M×N] = A[M×K] · B[K×N]. A convolution lowered to GEMM in helu4j is
 * weights [M = out channels, K = C·kH·kW] times im2col columns [K, N = output positions], so conv layers appear
 * with M = out channels and N = oH·oW (batch 1). A fully connected layer at batch b is M = b, N = outputs,
 * K = inputs.
 *
 * <p>Conv: {@code "tag:CxHxW-MkKsSpPgG"}: input C×H×W (batch 1), M output channels, K×K kernel, stride S,
 * padding P on every side, G groups. The shipped-model shapes follow {@code tools/train/models.py} (ARCHS: fashion-cnn
 * width 8, fashion-wrn WRN-10-1 base 8, fashion-mlp 784-256x7-10) on 1×28×28 inputs.
 */
public final class Shapes {
    private Shapes() {
    }

    /** The GEMM shapes: {@link GemmBench}'s @Param, the one list. */
    public static String[] gemm() {
        return params(GemmBench.class, "shape");
    }

    /** The conv layer shapes: {@link ConvBench}'s @Param, the one list. */
    public static String[] conv() {
        return params(ConvBench.class, "shape");
    }

    static String[] params(Class<?> bench, String field) {
        try {
            return bench.getDeclaredField(field).getAnnotation(org.openjdk.jmh.annotations.Param.class).value();
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The tag of a shape string ({@code "r18-l1"} of {@code "r18-l1:64x3136x576"}). */
    public static String tag(String shape) {
        int colon = shape.indexOf(':');
        return colon < 0 ? shape : shape.substring(0, colon);
    }

    /**
     * For bench/run.sh: prints the {@code gemm} or {@code conv} shapes whose string matches REGEX (find), joined
     * by commas, ready for JMH's {@code -p shape=...}.
     */
    public static void main(String[] args) {
        if (args.length != 2 || !(args[0].equals("gemm") || args[0].equals("conv"))) {
            System.err.println("usage: Shapes gemm|conv REGEX");
            System.exit(2);
        }
        java.util.regex.Pattern re = java.util.regex.Pattern.compile(args[1]);
        String[] all = args[0].equals("gemm") ? gemm() : conv();
        System.out.println(String.join(",", java.util.Arrays.stream(all).filter(x -> re.matcher(x).find()).toList()));
    }

    /** A parsed GEMM shape. */
    public record GemmShape(String tag, int m, int n, int k) {
        public static GemmShape parse(String s) {
            int colon = s.indexOf(':');
            String[] p = s.substring(colon + 1).split("x");
            return new GemmShape(s.substring(0, Math.max(colon, 0)), Integer.parseInt(p[0]), Integer.parseInt(p[1]),
                    Integer.parseInt(p[2]));
        }

        public double flops() {
            return 2.0 * m * n * k;
        }
    }

    /** A parsed conv layer shape (batch 1 unless {@code withBatch}). */
    public record ConvShape(String tag, int c, int h, int w, int m, int k, int s, int p, int g) {
        public static ConvShape parse(String str) {
            int colon = str.indexOf(':');
            String body = str.substring(colon + 1);
            String[] io = body.split("-");
            String[] in = io[0].split("x");
            String o = io[1];
            int ki = o.indexOf('k'), si = o.indexOf('s'), pi = o.indexOf('p'), gi = o.indexOf('g');
            return new ConvShape(str.substring(0, Math.max(colon, 0)), Integer.parseInt(in[0]), Integer.parseInt(in[1]),
                    Integer.parseInt(in[2]), Integer.parseInt(o.substring(0, ki)),
                    Integer.parseInt(o.substring(ki + 1, si)), Integer.parseInt(o.substring(si + 1, pi)),
                    Integer.parseInt(o.substring(pi + 1, gi)), Integer.parseInt(o.substring(gi + 1)));
        }

        public int outH() {
            return (int) ConvGeometry.outputSize(h, k, s, 1, p, p, false);
        }

        public int outW() {
            return (int) ConvGeometry.outputSize(w, k, s, 1, p, p, false);
        }

        public ConvGeometry geometry(int batch) {
            return new ConvGeometry(batch, c, m, g, new int[] {h, w}, new int[] {k, k}, new int[] {s, s},
                    new int[] {1, 1}, new int[] {p, p}, new int[] {p, p}, new int[] {outH(), outW()});
        }

        /** Multiply-adds × 2 at batch 1. */
        public double flops() {
            return 2.0 * m * outH() * outW() * (c / g) * k * k;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%dx%dx%d -> %dx%dx%d, %dx%d/%d%s", c, h, w, m, outH(), outW(), k, k, s,
                    g > 1 ? " g" + g : "");
        }
    }
}
