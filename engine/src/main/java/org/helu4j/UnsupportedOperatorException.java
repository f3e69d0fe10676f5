package org.helu4j;

/** A model uses an operator (or an operator form) the engine does not implement. */
public class UnsupportedOperatorException extends ModelFormatException {
    private final String opType;
    private final String nodeName;
    private final long opset;

    public UnsupportedOperatorException(String opType, String domain, String nodeName, long opset, String detail) {
        super("unsupported operator " + (domain == null || domain.isEmpty() ? "" : domain + ".") + opType
                + " in node '" + nodeName + "' (opset " + opset + ")" + (detail == null ? "" : ": " + detail));
        this.opType = opType;
        this.nodeName = nodeName;
        this.opset = opset;
    }

    public String opType() {
        return opType;
    }

    public String nodeName() {
        return nodeName;
    }

    public long opset() {
        return opset;
    }
}
