package org.helu4j.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code --json} output: one object per line, keys in insertion order, NaN written as null. */
final class Json {
    private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

    private Json() {
    }

    /** A fluent, ordered object. */
    static Obj obj() {
        return new Obj();
    }

    static final class Obj {
        private final Map<String, Object> fields = new LinkedHashMap<>();

        Obj put(String key, Object value) {
            fields.put(key, value instanceof Double d && (d.isNaN() || d.isInfinite()) ? null : value);
            return this;
        }

        Map<String, Object> map() {
            return fields;
        }

        @Override
        public String toString() {
            return GSON.toJson(fields);
        }
    }
}
