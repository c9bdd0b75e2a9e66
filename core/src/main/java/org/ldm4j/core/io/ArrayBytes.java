package org.ldm4j.core.io;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.Reference;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.ldm4j.core.backend.Backend;
import org.ldm4j.core.tensor.NdArrays;
import org.ldm4j.core.tensor.DType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Raw little-endian, C-order bytes to and from ND4J arrays: the one place where file bytes meet native memory.
 *
 * <p>Reading allocates an uninitialised array of the right type and shape and copies the file region into its
 * native buffer with {@code memcpy}, one memory mapping of at most {@code chunkBytes} per step (a mapping is
 * limited to 2 GiB, and a file or a tensor may be larger). The copy is byte for byte, so it is the same code for
 * every dtype; ND4J's own {@code Nd4j.createBuffer(ByteBuffer, ...)} path is not used because in 1.0.0-M2.1 it
 * ignores the bytes for BOOL (it allocates a fresh buffer) and converts through typed NIO views for the others.
 * Each mapping is released right after its copy (see {@link #unmap}) instead of whenever the GC runs.
 *
 * <pre>{@code
 * INDArray a = ArrayBytes.read(channel, 8 + headerLength + info.begin(), info.dtype(), info.shape(), 1L << 30);
 * ArrayBytes.write(channel, a, a.length() * 4);
 * }</pre>
 */
final class ArrayBytes {
    static {
        Backend.init();
    }

    /** {@code sun.misc.Unsafe.invokeCleaner(ByteBuffer)} bound to the instance, or null where unavailable. */
    private static final MethodHandle INVOKE_CLEANER = findCleaner();

    private ArrayBytes() {
    }

    /**
     * A new array of {@code dtype} and {@code shape} holding the {@code numel * dtype.bytes()} bytes that start
     * at {@code position} in {@code channel}.
     */
    static INDArray read(FileChannel channel, long position, DType dtype, long[] shape, long chunkBytes)
            throws IOException {
        checkLittleEndianHost();
        INDArray array = Nd4j.createUninitialized(dtype.nd4j(), shape, 'c');
        long nbytes = array.length() * dtype.bytes();
        if (nbytes == 0) {
            return array; // an empty array has no buffer
        }
        try {
            BytePointer dst = new BytePointer(array.data().addressPointer());
            for (long off = 0; off < nbytes; off += chunkBytes) {
                long len = Math.min(chunkBytes, nbytes - off);
                MappedByteBuffer src = channel.map(FileChannel.MapMode.READ_ONLY, position + off, len);
                try {
                    Pointer.memcpy(dst.getPointer(off), new BytePointer(src), len);
                } finally {
                    Reference.reachabilityFence(src); // the mapping must outlive the native copy
                    unmap(src);
                }
            }
            Nd4j.getAffinityManager().tagLocation(array, AffinityManager.Location.HOST);
            return array;
        } catch (IOException | RuntimeException | Error e) {
            array.close();
            throw e;
        }
    }

    /** Writes the {@code nbytes} bytes of {@code array} in C order (a copy first if it is a view). */
    static void write(WritableByteChannel out, INDArray array, long nbytes, long chunkBytes) throws IOException {
        checkLittleEndianHost();
        if (nbytes == 0) {
            return;
        }
        INDArray packed = NdArrays.isDense(array) ? array : array.dup('c');   // strides checked, not ordering()
        try {
            Nd4j.getAffinityManager().ensureLocation(packed, AffinityManager.Location.HOST);
            BytePointer base = new BytePointer(packed.data().addressPointer());
            for (long off = 0; off < nbytes; off += chunkBytes) {
                int len = (int) Math.min(chunkBytes, nbytes - off);
                BytePointer chunk = base.getPointer(off);
                ByteBuffer buf = chunk.capacity(len).limit(len).asByteBuffer();
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
            }
            Reference.reachabilityFence(packed);
        } finally {
            if (packed != array) {
                packed.close();
            }
        }
    }

    private static void checkLittleEndianHost() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("safetensors data is little-endian and is copied byte for byte "
                    + "into native memory; this " + ByteOrder.nativeOrder() + " host is not supported");
        }
    }

    /** Unmaps now; without Unsafe the mapping stays until the buffer is garbage collected. */
    private static void unmap(MappedByteBuffer buffer) {
        if (INVOKE_CLEANER == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invokeExact((ByteBuffer) buffer);
        } catch (Throwable ignored) {
            // left to the garbage collector
        }
    }

    private static MethodHandle findCleaner() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field f = unsafeClass.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            MethodHandle h = MethodHandles.lookup().findVirtual(unsafeClass, "invokeCleaner",
                    MethodType.methodType(void.class, ByteBuffer.class));
            return h.bindTo(f.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
