package org.ldm4j.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.bytedeco.javacpp.BytePointer;
import org.ldm4j.core.backend.Backend;
import org.ldm4j.core.io.TorchUnpickler.StorageRef;
import org.ldm4j.core.io.TorchUnpickler.StorageType;
import org.ldm4j.core.io.TorchUnpickler.TensorRef;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The tensors of a {@code torch.save} archive, from the storages in its {@code <top>/data/<key>} entries. Each
 * storage is read once (stored or deflated, through {@code java.util.zip}) and every tensor that views it is
 * copied out of it, then the storage bytes are dropped: several tensors can share one storage at different offsets
 * and strides. A view with arbitrary strides (a transpose, an expand) is gathered element by element into a
 * contiguous C-order array; storages hold little-endian data, copied byte for byte.
 *
 * <pre>{@code
 * Map<TensorRef, Tensor> tensors = TorchStorage.load(file, zip, "archive/", refsByName);
 * }</pre>
 */
final class TorchStorage {
    static {
        Backend.init();
    }

    /** The largest zip entry read into one Java array. */
    static final int MAX_ENTRY_BYTES = Integer.MAX_VALUE - 8;

    private TorchStorage() {
    }

    /** One tensor per distinct {@link TensorRef} in {@code refs} (name to ref; a ref may appear under several). */
    static Map<TensorRef, Tensor> load(Path file, ZipFile zip, String top, Map<String, TensorRef> refs)
            throws IOException {
        Map<String, List<Map.Entry<String, TensorRef>>> byStorage = new LinkedHashMap<>();
        for (Map.Entry<String, TensorRef> e : refs.entrySet()) {
            byStorage.computeIfAbsent(e.getValue().storage.key(), k -> new ArrayList<>()).add(e);
        }
        Map<TensorRef, Tensor> out = new IdentityHashMap<>();
        try {
            for (Map.Entry<String, List<Map.Entry<String, TensorRef>>> s : byStorage.entrySet()) {
                String name = top + "data/" + s.getKey();
                String first = s.getValue().get(0).getKey();
                ZipEntry entry = zip.getEntry(name);
                if (entry == null || entry.isDirectory()) {
                    throw new TorchCheckpoint.FormatException(file, first, "its storage '" + s.getKey() + "' ("
                            + name + ") is missing from the archive");
                }
                byte[] bytes = readEntry(file, zip, entry, first);
                for (Map.Entry<String, TensorRef> e : s.getValue()) {
                    if (!out.containsKey(e.getValue())) {
                        out.put(e.getValue(), Tensor.wrapPersistent(build(file, e.getKey(), e.getValue(), name,
                                bytes)));
                    }
                }
            }
            return out;
        } catch (IOException | RuntimeException | Error e) {
            for (Tensor t : out.values()) {
                t.array().close();
            }
            throw e;
        }
    }

    /** The bytes of one zip entry; {@code tensor} names the tensor it is read for in errors (or null). */
    static byte[] readEntry(Path file, ZipFile zip, ZipEntry entry, String tensor) throws IOException {
        long size = entry.getSize();
        if (size > MAX_ENTRY_BYTES) {
            throw new TorchCheckpoint.FormatException(file, tensor, entry.getName() + " holds " + size + " bytes; "
                    + "entries over 2 GiB are not supported by this reader (convert the checkpoint to safetensors)");
        }
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] b = in.readNBytes(size >= 0 ? (int) size : MAX_ENTRY_BYTES);
            if (size >= 0 && b.length != size) {
                throw new TorchCheckpoint.FormatException(file, tensor, entry.getName() + ": expected " + size
                        + " bytes, found " + b.length + ": the archive is truncated");
            }
            return b;
        } catch (TorchCheckpoint.FormatException e) {
            throw e;
        } catch (IOException e) {
            throw new TorchCheckpoint.FormatException(file, tensor, "reading " + entry.getName() + " failed: "
                    + e.getMessage(), e);
        }
    }

    /** The tensor {@code ref} (called {@code name}) as a new C-order array, copied out of its storage's bytes. */
    private static INDArray build(Path file, String name, TensorRef ref, String entry, byte[] bytes)
            throws IOException {
        StorageRef s = ref.storage;
        StorageType type = s.type();
        DType dtype = type.dtype;
        if (dtype == null) {
            throw new TorchCheckpoint.FormatException(file, name, "dtype " + type.torchDtype + " (torch."
                    + type.className + ") has no ldm4j DType (supported: float32, float16, bfloat16, float64, int64, "
                    + "int32, uint8, bool); convert the tensor in PyTorch first");
        }
        int eb = type.bytes;
        long numel;
        long last = ref.offset;   // the highest storage element the view reaches
        try {
            long declared = Math.multiplyExact(s.numel(), eb);
            if (bytes.length < declared) {
                throw new TorchCheckpoint.FormatException(file, name, "storage '" + s.key() + "' (" + entry + ") has "
                        + bytes.length + " bytes, but its persistent id declares " + s.numel() + " elements of "
                        + type.torchDtype + " = " + declared + " bytes");
            }
            numel = 1;
            for (int d = 0; d < ref.size.length; d++) {
                numel = Math.multiplyExact(numel, ref.size[d]);
                if (ref.size[d] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(ref.size[d] - 1, ref.stride[d]));
                }
            }
        } catch (ArithmeticException e) {
            throw new TorchCheckpoint.FormatException(file, name, "size " + Arrays.toString(ref.size) + " and stride "
                    + Arrays.toString(ref.stride) + " overflow 64 bits");
        }
        if (numel > 0 && last >= s.numel()) {
            throw new TorchCheckpoint.FormatException(file, name, "size " + Arrays.toString(ref.size) + ", stride "
                    + Arrays.toString(ref.stride) + " and storage_offset " + ref.offset + " reach element " + last
                    + " of storage '" + s.key() + "', which holds " + s.numel() + " elements of " + type.torchDtype
                    + ": the storage is too short");
        }
        if (numel * eb > MAX_ENTRY_BYTES) {
            throw new TorchCheckpoint.FormatException(file, name, "tensors over 2 GiB are not supported");
        }
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("torch storages are little-endian and are copied byte for byte "
                    + "into native memory; this " + ByteOrder.nativeOrder() + " host is not supported");
        }
        INDArray array = Nd4j.createUninitialized(dtype.nd4j(), ref.size, 'c');
        if (numel == 0) {
            return array;   // an empty array has no buffer
        }
        try {
            BytePointer dst = new BytePointer(array.data().addressPointer());
            int nbytes = (int) (numel * eb);
            if (isContiguous(ref.size, ref.stride)) {
                dst.put(bytes, (int) (ref.offset * eb), nbytes);
            } else {
                dst.put(gather(ref, eb, numel, bytes), 0, nbytes);
            }
            Nd4j.getAffinityManager().tagLocation(array, AffinityManager.Location.HOST);
            return array;
        } catch (RuntimeException | Error e) {
            array.close();
            throw e;
        }
    }

    /** Whether the strides are those of a C-order array of this size (dims of size 1 may have any stride). */
    static boolean isContiguous(long[] size, long[] stride) {
        long expected = 1;
        for (int d = size.length - 1; d >= 0; d--) {
            if (size[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= size[d];
        }
        return true;
    }

    /**
     * The view's elements in C order: element {@code (i_0, ..., i_{n-1})} is storage element
     * {@code offset + sum_d i_d * stride_d}. Runs along a last dim of stride 1 are copied at once.
     */
    private static byte[] gather(TensorRef ref, int eb, long numel, byte[] src) {
        long[] size = ref.size;
        long[] stride = ref.stride;
        int rank = size.length;
        boolean rowRuns = rank > 0 && stride[rank - 1] == 1;
        int outer = rowRuns ? rank - 1 : rank;               // dims walked by the odometer
        int run = (int) ((rowRuns ? size[rank - 1] : 1) * eb); // bytes copied per step
        byte[] out = new byte[(int) (numel * eb)];
        long[] idx = new long[outer];
        long at = ref.offset;                                // storage element of the current position
        for (int o = 0; o < out.length; o += run) {
            System.arraycopy(src, (int) (at * eb), out, o, run);
            for (int d = outer - 1; d >= 0; d--) {            // odometer: the last dim turns fastest
                idx[d]++;
                at += stride[d];
                if (idx[d] < size[d]) {
                    break;
                }
                at -= stride[d] * size[d];
                idx[d] = 0;
            }
        }
        return out;
    }
}
