package org.helu4j;

import java.util.List;

/**
 * How {@link Model#load(java.nio.file.Path, LoadOptions)} prepares a model.
 *
 * @param extraOutputs internal values to expose as extra outputs, after the declared ones (for tools that observe
 *                     activations, such as dead-unit counting)
 * @param optimize     run the graph passes (BatchNorm folding, activation fusion, dead-node elimination); off
 *                     only to compare fused and unfused execution
 */
public record LoadOptions(List<String> extraOutputs, boolean optimize) {
    public static final LoadOptions DEFAULT = new LoadOptions(List.of(), true);

    public LoadOptions {
        extraOutputs = List.copyOf(extraOutputs);
    }

    public LoadOptions withExtraOutputs(List<String> names) {
        return new LoadOptions(names, optimize);
    }

    public LoadOptions withOptimize(boolean on) {
        return new LoadOptions(extraOutputs, on);
    }
}
