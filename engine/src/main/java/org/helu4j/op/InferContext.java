package org.helu4j.op;

import org.helu4j.Tensor;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * What an {@link Op} sees while it infers its outputs: the types and shapes of its inputs and, where they are
 * known, their values. At run time every value is known. At load time only constants and values derived from
 * static shapes are; asking for an unknown one throws {@link UnknownValueException}, which marks the outputs as
 * unknown until run time.
 */
public final class InferContext {
    private DType[] inTypes;
    private Shape[] inShapes;
    private Tensor[] inValues;
    private DType[] outTypes;
    private Shape[] outShapes;
    private Tensor[] outValues;
    private boolean[] valueRead;
    private boolean[] constant;

    /** Resets the context for one node. Arrays are used as given; absent inputs have a null type. */
    public void reset(DType[] inTypes, Shape[] inShapes, Tensor[] inValues, int outputs) {
        this.inTypes = inTypes;
        this.inShapes = inShapes;
        this.inValues = inValues;
        this.constant = null;
        if (valueRead == null || valueRead.length != inTypes.length) {
            valueRead = new boolean[inTypes.length];
        } else {
            java.util.Arrays.fill(valueRead, false);
        }
        if (outTypes == null || outTypes.length != outputs) {
            outTypes = new DType[outputs];
            outShapes = new Shape[outputs];
            outValues = new Tensor[outputs];
        } else {
            java.util.Arrays.fill(outTypes, null);
            java.util.Arrays.fill(outShapes, null);
            java.util.Arrays.fill(outValues, null);
        }
    }

    /** The number of inputs the node lists (absent optional ones included). */
    public int inputCount() {
        return inTypes.length;
    }

    /** True if input {@code i} is given. */
    public boolean has(int i) {
        return i < inTypes.length && inTypes[i] != null;
    }

    public DType type(int i) {
        requireInput(i);
        return inTypes[i];
    }

    public Shape shape(int i) {
        requireInput(i);
        return inShapes[i];
    }

    /** True if the value of input {@code i} is known now. */
    public boolean isKnown(int i) {
        return has(i) && inValues[i] != null;
    }

    /**
     * At run time, where every value is known, marks which inputs are the model's constants (initializers and
     * values folded at load time). Until it is called after a {@link #reset}, as at load time, a known value is
     * a constant.
     */
    public void markConstants(boolean[] constant) {
        this.constant = constant;
    }

    /**
     * True if input {@code i} is a constant of the model: the same tensor, holding the same values, in every run
     * of every session. Ops may derive something from it once and keep it (BatchNormalization's folded scale).
     */
    public boolean isConstant(int i) {
        return has(i) && (constant == null ? inValues[i] != null : constant[i]);
    }

    /** The value of input {@code i}. */
    public Tensor value(int i) {
        requireInput(i);
        if (inValues[i] == null) {
            throw UnknownValueException.INSTANCE;
        }
        valueRead[i] = true;
        return inValues[i];
    }

    /** The int64 values of input {@code i} (shapes, axes, indices). */
    public long[] longs(int i) {
        Tensor t = value(i);
        if (t.type() != DType.INT64) {
            throw new IllegalArgumentException("input " + i + " must be int64, not " + t.type());
        }
        return t.toLongArray();
    }

    /** The float values of input {@code i} (small parameters such as Clip's bounds). */
    public float[] floats(int i) {
        Tensor t = value(i);
        if (t.type() != DType.FLOAT32) {
            throw new IllegalArgumentException("input " + i + " must be float32, not " + t.type());
        }
        return t.toFloatArray();
    }

    /** Declares output {@code i}. */
    public void output(int i, DType type, Shape shape) {
        outTypes[i] = type;
        outShapes[i] = shape;
    }

    /**
     * Declares output {@code i} with a value known now (a shape computation or a constant). When every output of
     * a node has a value, the runtime writes the values and does not call {@link Op#run}.
     */
    public void output(int i, Tensor value) {
        outTypes[i] = value.type();
        outShapes[i] = value.shape();
        outValues[i] = value;
    }

    /** True if the op read the value (not only the shape) of input {@code i} while inferring. */
    public boolean wasValueRead(int i) {
        return valueRead[i];
    }

    public DType outputType(int i) {
        return outTypes[i];
    }

    public Shape outputShape(int i) {
        return outShapes[i];
    }

    public Tensor outputValue(int i) {
        return outValues[i];
    }

    private void requireInput(int i) {
        if (!has(i)) {
            throw new IllegalArgumentException("required input " + i + " is missing");
        }
    }
}
