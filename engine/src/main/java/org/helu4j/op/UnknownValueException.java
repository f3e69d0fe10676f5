package org.helu4j.op;

/** Thrown during load-time inference when an op needs a value that is only known at run time. */
public final class UnknownValueException extends RuntimeException {
    static final UnknownValueException INSTANCE = new UnknownValueException();

    private UnknownValueException() {
        super("value known only at run time", null, false, false);
    }
}
