package org.helu4j.tensor;

/** The element types the engine computes with: float32 for data, int64 where ONNX needs it (shapes, indices). */
public enum DType {
    FLOAT32(4),
    INT64(8);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }
}
