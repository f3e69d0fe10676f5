package org.helu4j.graph;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.helu4j.Tensor;

/**
 * A node's attributes, by name. Values are {@code Long}, {@code Float}, {@code String}, {@code long[]},
 * {@code float[]}, {@code String[]} or {@link Tensor}. The typed getters throw {@link IllegalArgumentException}
 * (reported by the loader as a model format error) when an attribute has the wrong kind.
 */
public final class Attributes {
    public static final Attributes NONE = new Attributes(Map.of());

    private final Map<String, Object> values;

    public Attributes(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public Map<String, Object> asMap() {
        return values;
    }

    public long getInt(String name, long defaultValue) {
        Object v = values.get(name);
        return v == null ? defaultValue : as(name, v, Long.class);
    }

    public float getFloat(String name, float defaultValue) {
        Object v = values.get(name);
        if (v instanceof Long l) {
            return l;
        }
        return v == null ? defaultValue : as(name, v, Float.class);
    }

    public String getString(String name, String defaultValue) {
        Object v = values.get(name);
        return v == null ? defaultValue : as(name, v, String.class);
    }

    /** The ints attribute, or {@code null} when absent. */
    public long[] getInts(String name) {
        Object v = values.get(name);
        return v == null ? null : as(name, v, long[].class).clone();
    }

    /** The floats attribute, or {@code null} when absent. */
    public float[] getFloats(String name) {
        Object v = values.get(name);
        return v == null ? null : as(name, v, float[].class).clone();
    }

    /** The tensor attribute, or {@code null} when absent. */
    public Tensor getTensor(String name) {
        Object v = values.get(name);
        return v == null ? null : as(name, v, Tensor.class);
    }

    private static <T> T as(String name, Object v, Class<T> type) {
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException("attribute '" + name + "' should be " + type.getSimpleName()
                    + " but is " + v.getClass().getSimpleName());
        }
        return type.cast(v);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        values.forEach((k, v) -> {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(k).append('=');
            if (v instanceof long[] a) {
                sb.append(java.util.Arrays.toString(a));
            } else if (v instanceof float[] a) {
                sb.append(java.util.Arrays.toString(a));
            } else if (v instanceof Tensor t) {
                sb.append(t.type()).append(t.shape());
            } else {
                sb.append(v);
            }
        });
        return sb.append('}').toString();
    }
}
