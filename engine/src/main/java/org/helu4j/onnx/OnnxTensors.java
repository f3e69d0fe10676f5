package org.helu4j.onnx;

import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.helu4j.ModelFormatException;
import org.helu4j.Tensor;
import org.helu4j.tensor.DType;
import org.helu4j.tensor.Shape;

/**
 * Converts ONNX {@code TensorProto}s to engine tensors: float32 and int64 natively, while int32, int8, uint8,
 * bool and double are widened or narrowed to those two. Every length is checked against the shape before anything
 * is allocated, so a file can only ask for memory that it actually holds.
 */
public final class OnnxTensors {
    // TensorProto.DataType numbers.
    static final int FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6, INT64 = 7, BOOL = 9, DOUBLE = 11;

    private OnnxTensors() {
    }

    /** Reads a serialized TensorProto file, such as the ONNX test data's {@code input_0.pb}. */
    public static Tensor read(Path file) throws IOException, ModelFormatException {
        try {
            TensorProto proto = TensorProto.parseFrom(Files.readAllBytes(file));
            return toTensor(proto, Arena.ofAuto(), null);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelFormatException(file + " is not a serialized ONNX tensor: " + e.getMessage());
        }
    }

    /** True for the element types the engine can load. */
    public static boolean isSupported(int dataType) {
        return switch (dataType) {
            case FLOAT, UINT8, INT8, INT32, INT64, BOOL, DOUBLE -> true;
            default -> false;
        };
    }

    /** The engine type a given ONNX element type is computed in, or {@code null} if unsupported. */
    public static DType engineType(int dataType) {
        return switch (dataType) {
            case FLOAT, DOUBLE -> DType.FLOAT32;
            case UINT8, INT8, INT32, INT64, BOOL -> DType.INT64;
            default -> null;
        };
    }

    static String typeName(int dataType) {
        TensorProto.DataType t = TensorProto.DataType.forNumber(dataType);
        return t == null ? "type " + dataType : t.name();
    }

    /**
     * Converts {@code proto}. {@code external} resolves {@code data_location = EXTERNAL}; it may be null where
     * external data is not allowed (standalone tensor files).
     */
    static Tensor toTensor(TensorProto proto, Arena arena, ExternalData external) throws ModelFormatException {
        String name = proto.getName().isEmpty() ? "<unnamed>" : "'" + proto.getName() + "'";
        int dataType = proto.getDataType();
        DType type = engineType(dataType);
        if (type == null) {
            throw new ModelFormatException("tensor " + name + " has element type " + typeName(dataType)
                    + ", which helu4j does not support (float32, int64, int32, int8, uint8, bool, double)");
        }
        Shape shape;
        try {
            long[] dims = new long[proto.getDimsCount()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = proto.getDims(i);
            }
            shape = Shape.of(dims);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("tensor " + name + ": " + e.getMessage());
        }
        long n = shape.size();
        int srcSize = sourceByteSize(dataType);

        if (proto.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            if (external == null) {
                throw new ModelFormatException("tensor " + name + " refers to external data, which is not allowed here");
            }
            MemorySegment mapped = external.map(proto, n * srcSize);
            boolean direct = (dataType == FLOAT || dataType == INT64) && mapped.address() % 8 == 0
                    && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
            // Zero-copy where the layout allows: the weights stay in the page cache, shared between processes.
            return direct ? Tensor.wrap(mapped, type, shape) : fromRaw(mapped, dataType, type, shape, arena);
        }
        if (proto.hasRawData()) {
            ByteString raw = proto.getRawData();
            if (raw.size() != n * srcSize) {
                throw new ModelFormatException("tensor " + name + ": raw_data holds " + raw.size() + " bytes but shape "
                        + shape + " of " + typeName(dataType) + " needs " + n * srcSize);
            }
            return fromRaw(MemorySegment.ofBuffer(raw.asReadOnlyByteBuffer()), dataType, type, shape, arena);
        }
        int count = typedCount(proto, dataType);
        if (count != n) {
            throw new ModelFormatException("tensor " + name + " holds " + count + " values but shape " + shape
                    + " needs " + n);
        }
        Tensor t = Tensor.allocate(arena, type, shape);
        MemorySegment dst = t.segment();
        for (int i = 0; i < n; i++) {
            switch (dataType) {
                case FLOAT -> dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, proto.getFloatData(i));
                case DOUBLE -> dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) proto.getDoubleData(i));
                case INT64 -> dst.setAtIndex(ValueLayout.JAVA_LONG, i, proto.getInt64Data(i));
                case UINT8 -> dst.setAtIndex(ValueLayout.JAVA_LONG, i, proto.getInt32Data(i) & 0xFF);
                case INT8 -> dst.setAtIndex(ValueLayout.JAVA_LONG, i, (byte) proto.getInt32Data(i));
                case BOOL -> dst.setAtIndex(ValueLayout.JAVA_LONG, i, proto.getInt32Data(i) != 0 ? 1 : 0);
                default -> dst.setAtIndex(ValueLayout.JAVA_LONG, i, proto.getInt32Data(i));
            }
        }
        return t;
    }

    private static int typedCount(TensorProto proto, int dataType) {
        return switch (dataType) {
            case FLOAT -> proto.getFloatDataCount();
            case DOUBLE -> proto.getDoubleDataCount();
            case INT64 -> proto.getInt64DataCount();
            default -> proto.getInt32DataCount();
        };
    }

    private static int sourceByteSize(int dataType) {
        return switch (dataType) {
            case FLOAT, INT32 -> 4;
            case DOUBLE, INT64 -> 8;
            default -> 1;
        };
    }

    /** Converts little-endian raw bytes. float32 and int64 are copied into aligned memory; others are converted. */
    private static Tensor fromRaw(MemorySegment src, int dataType, DType type, Shape shape, Arena arena) {
        long n = shape.size();
        Tensor t = Tensor.allocate(arena, type, shape);
        MemorySegment dst = t.segment();
        boolean nativeLe = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        if ((dataType == FLOAT || dataType == INT64) && nativeLe) {
            MemorySegment.copy(src, 0, dst, 0, n * type.byteSize());
            return t;
        }
        ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        ValueLayout.OfLong i64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        ValueLayout.OfInt i32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        ValueLayout.OfDouble f64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) {
            switch (dataType) {
                case FLOAT -> dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, src.get(f32, i * 4));
                case DOUBLE -> dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) src.get(f64, i * 8));
                case INT64 -> dst.setAtIndex(ValueLayout.JAVA_LONG, i, src.get(i64, i * 8));
                case INT32 -> dst.setAtIndex(ValueLayout.JAVA_LONG, i, src.get(i32, i * 4));
                case UINT8 -> dst.setAtIndex(ValueLayout.JAVA_LONG, i, src.get(ValueLayout.JAVA_BYTE, i) & 0xFF);
                case BOOL -> dst.setAtIndex(ValueLayout.JAVA_LONG, i, src.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0);
                default -> dst.setAtIndex(ValueLayout.JAVA_LONG, i, src.get(ValueLayout.JAVA_BYTE, i));
            }
        }
        return t;
    }
}
