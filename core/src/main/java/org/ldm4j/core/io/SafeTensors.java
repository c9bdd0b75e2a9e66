package org.ldm4j.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.ldm4j.core.tensor.Tensor;

/**
 * Reading and writing the safetensors format (huggingface/safetensors): an 8-byte little-endian header length
 * {@code N}, {@code N} bytes of JSON describing each tensor's dtype, shape and byte range, then the raw
 * little-endian, C-order tensor data back to back.
 *
 * <p>{@link #open} gives a lazy {@link SafeTensorsReader}; {@link #read} loads everything into a
 * {@link StateDict}; {@link #write} writes atomically. Supported dtypes: F32, F64, F16, BF16, I64, I32, U8,
 * BOOL.
 *
 * <pre>{@code
 * SafeTensors.write(Path.of("vae.safetensors"), model.stateDict(), Map.of("embed_dim", "4"));
 * StateDict sd = SafeTensors.read(Path.of("vae.safetensors"));
 * try (SafeTensorsReader r = SafeTensors.open(Path.of("sd-v1-4.safetensors"))) {
 *     Tensor w = r.get("first_stage_model.decoder.conv_out.weight");
 * }
 * }</pre>
 */
public final class SafeTensors {
    private static final SecureRandom RANDOM = new SecureRandom();

    private SafeTensors() {
    }

    /** Opens a file for lazy reading; close the reader when done (try-with-resources). */
    public static SafeTensorsReader open(Path file) throws IOException {
        return SafeTensorsReader.open(file);
    }

    /** Reads every tensor and the metadata of a file, in the file's data order. */
    public static StateDict read(Path file) throws IOException {
        try (SafeTensorsReader r = open(file)) {
            return r.toStateDict();
        }
    }

    /** {@link #write(Path, Map, Map)} without metadata. */
    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        write(file, tensors, Map.of());
    }

    /**
     * Writes {@code tensors}, in sorted-name order (by code point, as Python sorts), and {@code metadata}
     * (stored as {@code __metadata__} when not empty, in the map's iteration order). The file is first written
     * under a temporary name in the same directory, flushed to disk, then renamed over {@code file} in one atomic
     * step, so {@code file} is either its old self or the complete new file, never a part of one. Views and
     * non-contiguous tensors are written in C order.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(tensors, "tensors");
        Map<String, String> meta = metadata == null ? Map.of() : metadata;
        TreeMap<String, Tensor> sorted = new TreeMap<>(SafeTensors::compareCodePoints);
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            checkText("tensor name", name);
            if (name.equals(SafeTensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("tensors: the name " + name + " is reserved for the metadata");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("tensors: expected a tensor for '" + name + "', got null");
            }
            sorted.put(name, e.getValue());
        }
        for (Map.Entry<String, String> e : meta.entrySet()) {
            checkText("metadata key", e.getKey());
            checkText("metadata value for '" + e.getKey() + "'", e.getValue());
        }

        List<TensorInfo> infos = new ArrayList<>(sorted.size());
        long offset = 0;
        for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
            Tensor t = e.getValue();
            long nbytes = Math.multiplyExact(t.numel(), (long) t.dtype().bytes());
            infos.add(new TensorInfo(e.getKey(), t.dtype(), t.shape(), offset, offset + nbytes));
            offset += nbytes;
        }
        byte[] header = SafeTensorsHeader.encode(infos, meta);
        if (header.length > SafeTensorsReader.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("tensors: the header would take " + header.length + " bytes, over "
                    + "the " + SafeTensorsReader.MAX_HEADER_BYTES + "-byte limit that readers accept");
        }

        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        // not Files.createTempFile: that makes the file owner-only (0600), and the rename would keep it so
        Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36)
                + ".tmp");
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(out, length);
                writeFully(out, ByteBuffer.wrap(header));
                for (TensorInfo info : infos) {
                    ArrayBytes.write(out, sorted.get(info.name()).array(), info.byteSize(),
                            SafeTensorsReader.DEFAULT_CHUNK_BYTES);
                }
                out.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Code point order, which is the byte order of the UTF-8 names (String.compareTo differs above U+D7FF). */
    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private static void writeFully(FileChannel out, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            out.write(buf);
        }
    }

    /** JSON strings must be valid Unicode: Java strings can hold lone surrogates, which UTF-8 cannot encode. */
    private static void checkText(String what, String s) {
        if (s == null) {
            throw new IllegalArgumentException(what + ": expected a string, got null");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(what + ": expected valid Unicode, got a lone surrogate U+"
                        + String.format("%04X", (int) c) + " at index " + i + " of \"" + s + "\"");
            }
        }
    }
}
