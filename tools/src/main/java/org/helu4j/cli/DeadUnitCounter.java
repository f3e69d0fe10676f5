package org.helu4j.cli;

import java.util.ArrayList;
import java.util.List;
import org.helu4j.Tensor;

/**
 * Counts dead units (see {@code shared/design/HELU.md}): a unit is dead if its post-activation output is exactly
 * 0 for every input seen. For a conv output {@code [N, C, H, W]} the unit is the channel (alive if non-zero at
 * any position of any image); otherwise every feature of {@code [N, ...]} is a unit. One counter per thread;
 * {@link #merge} combines them.
 */
final class DeadUnitCounter {
    /** One layer's count. */
    record LayerCount(ActivationLayers.Layer layer, String kind, int units, int dead) {
        double fraction() {
            return units == 0 ? 0 : (double) dead / units;
        }
    }

    private final List<ActivationLayers.Layer> layers;
    private final boolean[][] alive;
    private final boolean[] channels;

    DeadUnitCounter(List<ActivationLayers.Layer> layers) {
        this.layers = List.copyOf(layers);
        this.alive = new boolean[layers.size()][];
        this.channels = new boolean[layers.size()];
    }

    /** Records one batch of layer {@code k}'s output. */
    void observe(int k, Tensor out) {
        long[] dims = out.dims();
        int n = (int) dims[0];
        boolean channel = dims.length == 4;
        int units = channel ? (int) dims[1] : (int) (out.size() / Math.max(n, 1));
        int inner = channel ? (int) (dims[2] * dims[3]) : 1;
        if (alive[k] == null) {
            alive[k] = new boolean[units];
            channels[k] = channel;
        } else if (alive[k].length != units) {
            throw new IllegalStateException("activation '" + layers.get(k).output() + "' changed its unit count");
        }
        boolean[] a = alive[k];
        // Read in place, not copied: once a unit is seen alive it is skipped, so most values are never read.
        for (int i = 0; i < n; i++) {
            for (int u = 0; u < units; u++) {
                if (a[u]) {
                    continue;
                }
                long base = ((long) i * units + u) * inner;
                for (int j = 0; j < inner; j++) {
                    if (out.getFloat(base + j) != 0f) { // -0.0f counts as zero, NaN as alive
                        a[u] = true;
                        break;
                    }
                }
            }
        }
    }

    void merge(DeadUnitCounter other) {
        for (int k = 0; k < alive.length; k++) {
            if (other.alive[k] == null) {
                continue;
            }
            if (alive[k] == null) {
                alive[k] = other.alive[k].clone();
                channels[k] = other.channels[k];
            } else {
                for (int u = 0; u < alive[k].length; u++) {
                    alive[k][u] |= other.alive[k][u];
                }
            }
        }
    }

    List<LayerCount> counts() {
        List<LayerCount> out = new ArrayList<>();
        for (int k = 0; k < alive.length; k++) {
            boolean[] a = alive[k] == null ? new boolean[0] : alive[k];
            int dead = 0;
            for (boolean b : a) {
                dead += b ? 0 : 1;
            }
            out.add(new LayerCount(layers.get(k), channels[k] ? "channel" : "neuron", a.length, dead));
        }
        return out;
    }

    /** Dead units over all layers, as a fraction of all units; NaN when there is no activation layer. */
    double totalFraction() {
        long units = 0;
        long dead = 0;
        for (LayerCount c : counts()) {
            units += c.units();
            dead += c.dead();
        }
        return units == 0 ? Double.NaN : (double) dead / units;
    }
}
