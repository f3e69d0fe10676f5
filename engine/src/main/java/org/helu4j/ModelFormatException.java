package org.helu4j;

/** A model file is malformed or inconsistent: truncated, wrong sizes, dangling references, cycles, and so on. */
public class ModelFormatException extends Exception {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
