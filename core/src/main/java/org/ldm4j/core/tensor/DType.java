package org.ldm4j.core.tensor;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * Element types of a {@link Tensor}, with their safetensors names.
 *
 * <pre>{@code
 * Tensor x = Tensor.zeros(DType.FLOAT64, 2, 3);   // gradient checks run in double precision
 * }</pre>
 */
public enum DType {
    FLOAT32("F32", 4, DataType.FLOAT, true),
    FLOAT64("F64", 8, DataType.DOUBLE, true),
    FLOAT16("F16", 2, DataType.HALF, true),
    BFLOAT16("BF16", 2, DataType.BFLOAT16, true),
    INT64("I64", 8, DataType.LONG, false),
    INT32("I32", 4, DataType.INT, false),
    UINT8("U8", 1, DataType.UBYTE, false),
    BOOL("BOOL", 1, DataType.BOOL, false);

    private final String safetensorsName;
    private final int bytes;
    private final DataType nd4j;
    private final boolean floating;

    DType(String safetensorsName, int bytes, DataType nd4j, boolean floating) {
        this.safetensorsName = safetensorsName;
        this.bytes = bytes;
        this.nd4j = nd4j;
        this.floating = floating;
    }

    /** The dtype name in a safetensors header ("F32", "BF16", ...). */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Whether gradients can flow through tensors of this type. */
    public boolean isFloating() {
        return floating;
    }

    /** Backend-internal: the ND4J type. */
    public DataType nd4j() {
        return nd4j;
    }

    /** The dtype for a safetensors name, or an exception naming the unknown name. */
    public static DType fromSafetensorsName(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("dtype: expected one of F32, F64, F16, BF16, I64, I32, U8, BOOL, got " + name);
    }

    /** Backend-internal: the dtype of an ND4J type. */
    public static DType of(DataType t) {
        for (DType d : values()) {
            if (d.nd4j == t) {
                return d;
            }
        }
        throw new IllegalArgumentException("dtype: ND4J type " + t + " has no ldm4j equivalent");
    }
}
