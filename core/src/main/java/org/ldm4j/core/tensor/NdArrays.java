package org.ldm4j.core.tensor;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Backend-internal helpers over ND4J arrays: memory layout, ownership and freeing. Only {@code core} uses them.
 */
public final class NdArrays {
    private NdArrays() {
    }

    /** Whether the array's elements lie in row-major order from its buffer's start. */
    public static boolean isRowMajor(INDArray a) {
        if (a.offset() != 0) {
            return false;
        }
        long[] shape = a.shape();
        long[] stride = a.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** Whether the array is row-major and spans its whole buffer (its buffer can be read as its elements). */
    public static boolean isDense(INDArray a) {
        return !a.isEmpty() && isRowMajor(a) && a.length() == a.data().length();
    }

    /** Row-major memory, as kernels expect (a copy only when needed: free it with {@link #freeIfCopy}). */
    public static INDArray dense(INDArray a) {
        return isRowMajor(a) ? a : a.dup('c');
    }

    /** Frees {@code maybeCopy} when it is not {@code original} (the result of {@link #dense}). */
    public static void freeIfCopy(INDArray maybeCopy, INDArray original) {
        if (maybeCopy != original) {
            free(maybeCopy);
        }
    }

    /** The buffer that owns an array's memory (views and reshapes point into it). */
    public static DataBuffer rootBuffer(INDArray a) {
        DataBuffer d = a.data();
        if (d == null) {
            return null;                       // empty arrays have no buffer
        }
        DataBuffer o = d.originalDataBuffer();
        while (o != null && o != d) {
            d = o;
            o = d.originalDataBuffer();
        }
        return d;
    }

    /**
     * A freshly computed array given a new shape, as an array that owns the memory. A plain reshape would be a
     * view, which nothing frees; here the new array takes over the fresh array's buffer (the caller must not use
     * or free {@code fresh} afterwards). Never pass an array that shares another tensor's memory.
     */
    public static INDArray owned(INDArray fresh, long[] shape) {
        if (java.util.Arrays.equals(fresh.shape(), shape) && !fresh.isView()) {
            return fresh;
        }
        if (fresh.isEmpty()) {
            return Nd4j.create(fresh.dataType(), shape);
        }
        DataBuffer root = rootBuffer(fresh);
        if (isRowMajor(fresh) && root.length() == fresh.length() && fresh.dataType() == root.dataType()) {
            return Nd4j.create(root, shape);
        }
        INDArray copy = fresh.dup('c');
        return Nd4j.create(copy.data(), shape);
    }

    /**
     * {@code a} broadcast (numpy rules) to {@code shape}, in fresh memory. ND4J's own {@code broadcast} leaves
     * temporaries for the garbage collector; an assign into a new array does not.
     */
    public static INDArray broadcastTo(INDArray a, long[] shape) {
        long[] as = a.shape();
        INDArray src = a;
        if (as.length < shape.length) {
            long[] padded = new long[shape.length];
            java.util.Arrays.fill(padded, 1);
            System.arraycopy(as, 0, padded, shape.length - as.length, as.length);
            src = dense(a).reshape('c', padded);
        }
        INDArray out;
        if (src.length() == 1) {
            out = Nd4j.valueArrayOf(shape, src.getDouble(0L), a.dataType());
        } else {
            // ND4J's assign does not broadcast reliably ([2,1] into [2,3] comes out wrong); its add does
            out = Nd4j.zeros(a.dataType(), shape);
            out.addi(src);
        }
        if (src != a && rootBuffer(src) != rootBuffer(a)) {
            free(src);
        }
        return out;
    }

    /** Frees arrays that own their memory now (nulls, views and already freed arrays are skipped). */
    public static void free(INDArray... arrays) {
        for (INDArray a : arrays) {
            MemoryScope.release(a);
        }
    }
}
