package org.helu4j.graph;

import org.helu4j.tensor.DType;

/**
 * A declared graph input or output.
 *
 * @param name     the value name
 * @param type     the element type, or {@code null} when the engine does not compute with it
 * @param dims     the declared dimensions; {@code -1} marks a symbolic (or unknown) dimension; {@code null} when no
 *                 shape was declared
 * @param dimNames symbolic names where declared (e.g. {@code batch}), else {@code null} entries
 */
public record ValueInfo(String name, DType type, long[] dims, String[] dimNames) {

    public ValueInfo {
        dims = dims == null ? null : dims.clone();
        dimNames = dimNames == null ? null : dimNames.clone();
    }

    @Override
    public long[] dims() {
        return dims == null ? null : dims.clone();
    }

    /** The declared rank, or -1 when no shape was declared. */
    public int rank() {
        return dims == null ? -1 : dims.length;
    }

    /** Declared dimension {@code i}; -1 when symbolic. */
    public long dim(int i) {
        return dims[i];
    }

    /** True if every dimension is known. */
    public boolean isStatic() {
        if (dims == null) {
            return false;
        }
        for (long d : dims) {
            if (d < 0) {
                return false;
            }
        }
        return true;
    }

    /** For messages: {@code [batch, 1, 28, 28]}. */
    public String describeShape() {
        if (dims == null) {
            return "[?]";
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            if (dims[i] >= 0) {
                sb.append(dims[i]);
            } else {
                sb.append(dimNames != null && dimNames[i] != null && !dimNames[i].isEmpty() ? dimNames[i] : "?");
            }
        }
        return sb.append(']').toString();
    }
}
