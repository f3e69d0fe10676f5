package org.helu4j.cli;

/**
 * The model's input normalization, {@code (pixel/255 - mean)/std}, from its {@code input_mean} and
 * {@code input_std} metadata.
 *
 * @param mean     subtracted after scaling to [0, 1]
 * @param std      divided by
 * @param declared false when the model carries no such metadata and the defaults (0, 1) are used
 */
record Preprocessing(float mean, float std, boolean declared) {
    static Preprocessing of(ModelCard card) {
        String m = card.get("input_mean");
        String s = card.get("input_std");
        if (m == null || s == null) {
            return new Preprocessing(0f, 1f, false);
        }
        try {
            float std = Float.parseFloat(s);
            if (!(std > 0) || Float.isInfinite(std)) {
                throw new CliException(card.file() + ": metadata input_std=" + s + " is not a positive number");
            }
            return new Preprocessing(Float.parseFloat(m), std, true);
        } catch (NumberFormatException e) {
            throw new CliException(card.file() + ": metadata input_mean/input_std is not a number: " + m + ", " + s);
        }
    }

    /** An 8-bit (or averaged) gray level, 0 = black, 255 = white. */
    float apply(double pixel) {
        return (float) ((pixel / 255.0 - mean) / std);
    }

    /** The one-line note for models without normalization metadata; null when there is nothing to say. */
    String note() {
        return declared ? null
                : "note: the model has no input_mean/input_std metadata; using pixel/255 unnormalized (mean 0, std 1)";
    }
}
