package org.ldm4j.core.io;

import java.util.Arrays;
import java.util.Objects;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Shapes;

/**
 * One tensor entry of a safetensors header: its name, element type, shape, and the byte range
 * {@code [begin, end)} of its data, relative to the start of the data buffer (the first byte after the header).
 *
 * <pre>{@code
 * try (SafeTensorsReader r = SafeTensors.open(Path.of("model.safetensors"))) {
 *     for (TensorInfo t : r.infos()) {
 *         System.out.println(t.name() + " " + t.dtype() + " " + Arrays.toString(t.shape()));
 *     }
 * }
 * }</pre>
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    /** Checks the arguments and copies {@code shape}. */
    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape: expected non-negative sizes, got " + Shapes.str(shape));
            }
        }
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("offsets: expected 0 <= begin <= end, got [" + begin + ", " + end + ")");
        }
    }

    /** The shape (a copy). */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The number of elements (1 for a rank-0 tensor). */
    public long numel() {
        return Shapes.numel(shape);
    }

    /** The size of the data in bytes, {@code end - begin}. */
    public long byteSize() {
        return end - begin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return name + " " + dtype.safetensorsName() + " " + Shapes.str(shape) + " [" + begin + ", " + end + ")";
    }
}
