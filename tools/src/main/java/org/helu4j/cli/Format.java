package org.helu4j.cli;

/** Number formats shared by the tables. */
final class Format {
    private Format() {
    }

    /** {@code 91.23%}, or {@code -} for NaN. */
    static String percent(double fraction) {
        return Double.isNaN(fraction) ? "-" : String.format("%.2f%%", 100 * fraction);
    }

    /** Milliseconds with three significant-ish digits: {@code 0.412}, {@code 12.3}, {@code 153}. */
    static String millis(double ms) {
        if (Double.isNaN(ms)) {
            return "-";
        }
        return ms < 1 ? String.format("%.3f", ms) : ms < 100 ? String.format("%.2f", ms) : String.format("%.0f", ms);
    }
}
