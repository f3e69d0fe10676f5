package org.helu4j.kernel;

import static org.helu4j.kernel.Unary.load;
import static org.helu4j.kernel.Vectors.F;
import static org.helu4j.kernel.Vectors.LANES;
import static org.helu4j.kernel.Vectors.SCALAR;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.helu4j.kernel.ref.BinaryRef;

/**
 * Binary arithmetic on float32 with NumPy broadcasting, and a scalar int64 path for shape arithmetic. The op is
 * an int code chosen outside the loops: each (op, layout) pair has its own small method with one loop, so the
 * Vector API sees a constant operation, and C2 compiles each loop on its own profile (one big method holding every
 * op's loop was seen to box the vectors of a loop that got hot late). Layouts: both operands advance
 * ({@code vv}), or one repeats a scalar
 * ({@code vs}: a op s, {@code sv}: s op b). The tail after the last full vector is done by the scalar twin
 * (identical IEEE results for all but Pow), so no vector ever crosses a call that might not be inlined.
 * Scalar twins: {@link BinaryRef}.
 */
public final class Binary {
    public static final int ADD = 0, SUB = 1, MUL = 2, DIV = 3, POW = 4, MAX = 5, MIN = 6, PRELU = 7;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private Binary() {
    }

    /** {@code out = a op b} with broadcasting along {@code plan}; out may be a or b when it has their shape. */
    public static void apply(int op, MemorySegment out, MemorySegment a, MemorySegment b, Broadcast plan) {
        long n = plan.inner;
        for (long r = 0; r < plan.rows; r++) {
            long ao = plan.a(r);
            long bo = plan.b(r);
            if (plan.aStep == plan.bStep) {  // both advance, or a single element
                vv(op, out, r * n, a, ao, b, bo, n);
            } else if (plan.bStep == 0) {
                vs(op, out, r * n, a, ao, b.getAtIndex(ValueLayout.JAVA_FLOAT, bo), n);
            } else {
                sv(op, out, r * n, a.getAtIndex(ValueLayout.JAVA_FLOAT, ao), b, bo, n);
            }
        }
    }

    /** {@code out[i] = a[i] op b[i]}. */
    public static void vv(int op, MemorySegment out, long o, MemorySegment a, long ao, MemorySegment b, long bo,
            long n) {
        if (SCALAR) {
            BinaryRef.apply(op, out, o, a, ao, 1, b, bo, 1, n);
            return;
        }
        long done = switch (op) {  // each op's loop is its own small method: see the class comment
            case ADD -> addVV(out, o, a, ao, b, bo, n);
            case SUB -> subVV(out, o, a, ao, b, bo, n);
            case MUL -> mulVV(out, o, a, ao, b, bo, n);
            case DIV -> divVV(out, o, a, ao, b, bo, n);
            case POW -> powVV(out, o, a, ao, b, bo, n);
            case MAX -> maxVV(out, o, a, ao, b, bo, n);
            case MIN -> minVV(out, o, a, ao, b, bo, n);
            case PRELU -> preluVV(out, o, a, ao, b, bo, n);
            default -> throw new IllegalArgumentException("unknown binary op " + op);
        };
        if (done < n) {
            BinaryRef.apply(op, out, o + done, a, ao + done, 1, b, bo + done, 1, n - done);
        }
    }

    /** {@code out[i] = a[i] op s}. */
    public static void vs(int op, MemorySegment out, long o, MemorySegment a, long ao, float s, long n) {
        if (SCALAR) {
            BinaryRef.applyScalar(op, out, o, a, ao, s, n);
            return;
        }
        long done = switch (op) {
            case ADD -> addVS(out, o, a, ao, s, n);
            case SUB -> subVS(out, o, a, ao, s, n);
            case MUL -> mulVS(out, o, a, ao, s, n);
            case DIV -> divVS(out, o, a, ao, s, n);
            case POW -> s == 2f ? squareVS(out, o, a, ao, n) : powVS(out, o, a, ao, s, n);
            case MAX -> maxVS(out, o, a, ao, s, n);
            case MIN -> minVS(out, o, a, ao, s, n);
            case PRELU -> preluVS(out, o, a, ao, s, n);
            default -> throw new IllegalArgumentException("unknown binary op " + op);
        };
        if (done < n) {
            BinaryRef.applyScalar(op, out, o + done, a, ao + done, s, n - done);
        }
    }

    /** {@code out[i] = s op b[i]}. */
    public static void sv(int op, MemorySegment out, long o, float s, MemorySegment b, long bo, long n) {
        if (op == ADD || op == MUL || op == MAX || op == MIN) {  // commutative
            vs(op, out, o, b, bo, s, n);
            return;
        }
        if (SCALAR) {
            svRef(op, out, o, s, b, bo, n);
            return;
        }
        long done = switch (op) {
            case SUB -> subSV(out, o, s, b, bo, n);
            case DIV -> divSV(out, o, s, b, bo, n);
            case POW -> powSV(out, o, s, b, bo, n);
            case PRELU -> preluSV(out, o, s, b, bo, n);
            default -> throw new IllegalArgumentException("unknown binary op " + op);
        };
        if (done < n) {
            svRef(op, out, o + done, s, b, bo + done, n - done);
        }
    }

    // One loop per (op, layout), each returning how far it got; the caller finishes the tail with the twin.

    private static long addVV(MemorySegment out, long o, MemorySegment a, long ao, MemorySegment b, long bo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(a, ao + i).add(load(b, bo + i)), out, o + i);
        }
        return i;
    }

    private static long subVV(MemorySegment out, long o, MemorySegment a, long ao, MemorySegment b, long bo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(a, ao + i).sub(load(b, bo + i)), out, o + i);
        }
        return i;
    }

    private static long mulVV(MemorySegment out, long o, MemorySegment a, long ao, MemorySegment b, long bo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(a, ao + i).mul(load(b, bo + i)), out, o + i);
        }
        return i;
    }

    private static long divVV(MemorySegment out, long o, MemorySegment a, long ao, MemorySegment b, long bo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(a, ao + i).div(load(b, bo + i)), out, o + i);
        }
        return i;
    }

    private static long powVV(MemorySegment out, long o, MemorySegment a, long ao, MemorySegment b, long bo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(a, ao + i).lanewise(VectorOperators.POW, load(b, bo + i)), out, o + i);
        }
        return i;
    }

    private static long maxVV(MemorySegment out, long o, MemorySegment a, long ao, MemorySegment b, long bo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(a, ao + i).max(load(b, bo + i)), out, o + i);
        }
        return i;
    }

    private static long minVV(MemorySegment out, long o, MemorySegment a, long ao, MemorySegment b, long bo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(a, ao + i).min(load(b, bo + i)), out, o + i);
        }
        return i;
    }

    private static long preluVV(MemorySegment out, long o, MemorySegment a, long ao, MemorySegment b, long bo, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(prelu(load(a, ao + i), load(b, bo + i)), out, o + i);
        }
        return i;
    }

    private static long addVS(MemorySegment out, long o, MemorySegment a, long ao, float s, long n) {
        FloatVector y = FloatVector.broadcast(F, s);
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(a, ao + i).add(y), out, o + i);
        }
        return i;
    }

    private static long subVS(MemorySegment out, long o, MemorySegment a, long ao, float s, long n) {
        FloatVector y = FloatVector.broadcast(F, s);
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(a, ao + i).sub(y), out, o + i);
        }
        return i;
    }

    private static long mulVS(MemorySegment out, long o, MemorySegment a, long ao, float s, long n) {
        FloatVector y = FloatVector.broadcast(F, s);
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(a, ao + i).mul(y), out, o + i);
        }
        return i;
    }

    private static long divVS(MemorySegment out, long o, MemorySegment a, long ao, float s, long n) {
        FloatVector y = FloatVector.broadcast(F, s);
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(a, ao + i).div(y), out, o + i);
        }
        return i;
    }

    private static long powVS(MemorySegment out, long o, MemorySegment a, long ao, float s, long n) {
        FloatVector y = FloatVector.broadcast(F, s);
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(a, ao + i).lanewise(VectorOperators.POW, y), out, o + i);
        }
        return i;
    }

    private static long maxVS(MemorySegment out, long o, MemorySegment a, long ao, float s, long n) {
        FloatVector y = FloatVector.broadcast(F, s);
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(a, ao + i).max(y), out, o + i);
        }
        return i;
    }

    private static long minVS(MemorySegment out, long o, MemorySegment a, long ao, float s, long n) {
        FloatVector y = FloatVector.broadcast(F, s);
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(load(a, ao + i).min(y), out, o + i);
        }
        return i;
    }

    private static long preluVS(MemorySegment out, long o, MemorySegment a, long ao, float s, long n) {
        FloatVector y = FloatVector.broadcast(F, s);
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(prelu(load(a, ao + i), y), out, o + i);
        }
        return i;
    }

    /** x*x is the correctly rounded square, as pow(x, 2) is; ONNX Runtime special-cases it the same way. */
    private static long squareVS(MemorySegment out, long o, MemorySegment a, long ao, long n) {
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            FloatVector x = load(a, ao + i);
            store(x.mul(x), out, o + i);
        }
        return i;
    }

    private static long subSV(MemorySegment out, long o, float s, MemorySegment b, long bo, long n) {
        FloatVector x = FloatVector.broadcast(F, s);
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(x.sub(load(b, bo + i)), out, o + i);
        }
        return i;
    }

    private static long divSV(MemorySegment out, long o, float s, MemorySegment b, long bo, long n) {
        FloatVector x = FloatVector.broadcast(F, s);
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(x.div(load(b, bo + i)), out, o + i);
        }
        return i;
    }

    private static long powSV(MemorySegment out, long o, float s, MemorySegment b, long bo, long n) {
        FloatVector x = FloatVector.broadcast(F, s);
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(x.lanewise(VectorOperators.POW, load(b, bo + i)), out, o + i);
        }
        return i;
    }

    private static long preluSV(MemorySegment out, long o, float s, MemorySegment b, long bo, long n) {
        FloatVector x = FloatVector.broadcast(F, s);
        long i = 0;
        for (long bound = F.loopBound(n); i < bound; i += LANES) {
            store(prelu(x, load(b, bo + i)), out, o + i);
        }
        return i;
    }

    private static void svRef(int op, MemorySegment out, long o, float s, MemorySegment b, long bo, long n) {
        for (long i = 0; i < n; i++) {
            float y = b.getAtIndex(ValueLayout.JAVA_FLOAT, bo + i);
            out.setAtIndex(ValueLayout.JAVA_FLOAT, o + i, BinaryRef.apply(op, s, y));
        }
    }

    /** x below 0 times the slope, x otherwise (so -0.0 and NaN pass through). */
    public static FloatVector prelu(FloatVector x, FloatVector slope) {
        return x.blend(x.mul(slope), x.compare(VectorOperators.LT, 0f));
    }

    /** int64 {@code out = a op b} along {@code plan}: a plain scalar loop (shape arithmetic is small). */
    public static void applyLong(int op, MemorySegment out, MemorySegment a, MemorySegment b, Broadcast plan) {
        long n = plan.inner;
        for (long r = 0; r < plan.rows; r++) {
            long ao = plan.a(r);
            long bo = plan.b(r);
            for (long i = 0; i < n; i++) {
                long x = a.getAtIndex(ValueLayout.JAVA_LONG, ao + i * plan.aStep);
                long y = b.getAtIndex(ValueLayout.JAVA_LONG, bo + i * plan.bStep);
                out.setAtIndex(ValueLayout.JAVA_LONG, r * n + i, applyLong(op, x, y));
            }
        }
    }

    /** int64 arithmetic as C does it: Div truncates toward zero (division by zero throws), Pow via double. */
    public static long applyLong(int op, long x, long y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case POW -> (long) Math.pow(x, y);
            case MAX -> Math.max(x, y);
            case MIN -> Math.min(x, y);
            case PRELU -> x < 0 ? x * y : x;
            default -> throw new IllegalArgumentException("unknown binary op " + op);
        };
    }

    private static void store(FloatVector v, MemorySegment out, long elem) {
        v.intoMemorySegment(out, elem * 4, NATIVE);
    }
}
