package org.ldm4j.core.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An open safetensors file: the header is read and validated when it opens, tensors are loaded one at a time
 * on request, each from a read-only memory mapping of its own byte range (never of the whole file, so files and
 * tensors over 2 GB work). A multi-gigabyte checkpoint can thus be listed, and single tensors taken from it,
 * without reading the rest.
 *
 * <p>{@link #names()} lists the tensors in the order of their data in the file (for files written by
 * {@link SafeTensors#write}, sorted by name). Loaded tensors are persistent: no {@code MemoryScope} frees them,
 * and they stay valid after the reader is closed. The reader may be shared between threads.
 *
 * <pre>{@code
 * try (SafeTensorsReader r = SafeTensors.open(Path.of("sd-v1-4.safetensors"))) {
 *     System.out.println(r.size() + " tensors, metadata " + r.metadata());
 *     long[] shape = r.shape("model.diffusion_model.out.2.weight");      // [4, 320, 3, 3], nothing loaded
 *     Tensor w = r.get("model.diffusion_model.out.2.weight");            // loads this tensor only
 * }
 * }</pre>
 */
public final class SafeTensorsReader implements AutoCloseable {
    /** The largest header accepted, as in the reference implementation (a sanity cap against corrupt files). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Bytes per memory mapping when loading a tensor. */
    static final long DEFAULT_CHUNK_BYTES = 1L << 30;

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final long fileSize;
    private final SafeTensorsHeader header;
    private final long chunkBytes;
    private volatile boolean closed;

    private SafeTensorsReader(Path file, FileChannel channel, long dataStart, long fileSize, SafeTensorsHeader header,
            long chunkBytes) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.fileSize = fileSize;
        this.header = header;
        this.chunkBytes = chunkBytes;
    }

    /** Opens {@code file} and validates its header; a malformed file gives a {@link SafeTensorsFormatException}. */
    public static SafeTensorsReader open(Path file) throws IOException {
        return open(file, DEFAULT_CHUNK_BYTES);
    }

    /** As {@link #open(Path)}, mapping at most {@code chunkBytes} at a time (tests use tiny chunks). */
    static SafeTensorsReader open(Path file, long chunkBytes) throws IOException {
        if (chunkBytes <= 0 || chunkBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("chunkBytes: expected 1.." + Integer.MAX_VALUE + ", got " + chunkBytes);
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long size = ch.size();
            if (size < 8) {
                throw new SafeTensorsFormatException(file, "expected at least 8 bytes (the header length), found "
                        + size + ": not a safetensors file, or truncated");
            }
            ByteBuffer lengthField = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(file, ch, lengthField, 0);
            long n = lengthField.getLong(0); // an unsigned u64
            if (Long.compareUnsigned(n, MAX_HEADER_BYTES) > 0) {
                throw new SafeTensorsFormatException(file, "header length " + Long.toUnsignedString(n) + " bytes "
                        + "exceeds the limit of " + MAX_HEADER_BYTES + ": not a safetensors file, or corrupt");
            }
            if (n > size - 8) {
                throw new SafeTensorsFormatException(file, "header length " + n + " bytes exceeds the " + (size - 8)
                        + " bytes that follow the length field: the file is truncated or not a safetensors file");
            }
            ByteBuffer json = ByteBuffer.allocate((int) n);
            readFully(file, ch, json, 8);
            SafeTensorsHeader header = SafeTensorsHeader.parse(file, json.array(), size - 8 - n);
            return new SafeTensorsReader(file, ch, 8 + n, size, header, chunkBytes);
        } catch (IOException | RuntimeException | Error e) {
            ch.close();
            throw e;
        }
    }

    private static void readFully(Path file, FileChannel ch, ByteBuffer dst, long position) throws IOException {
        while (dst.hasRemaining()) {
            int r = ch.read(dst, position + dst.position());
            if (r < 0) {
                throw new EOFException(file + ": unexpected end of file at byte " + (position + dst.position()));
            }
        }
    }

    /** The file this reader reads. */
    public Path file() {
        return file;
    }

    /** The tensor names, in the order of their data in the file. */
    public List<String> names() {
        List<String> names = new ArrayList<>(header.tensors().size());
        for (TensorInfo t : header.tensors()) {
            names.add(t.name());
        }
        return names;
    }

    /** The tensor entries, in the order of their data in the file. */
    public List<TensorInfo> infos() {
        return header.tensors();
    }

    /** The number of tensors. */
    public int size() {
        return header.tensors().size();
    }

    public boolean contains(String name) {
        return header.get(name) != null;
    }

    /** The entry of {@code name}; an {@code IllegalArgumentException} naming the file if there is none. */
    public TensorInfo info(String name) {
        TensorInfo t = header.get(name);
        if (t == null) {
            throw new IllegalArgumentException("tensor '" + name + "' is not in " + file + " (" + size()
                    + " tensors" + examples() + ")");
        }
        return t;
    }

    public long[] shape(String name) {
        return info(name).shape();
    }

    public DType dtype(String name) {
        return info(name).dtype();
    }

    /** The {@code __metadata__} map in file order (empty when the file has none); unmodifiable. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** Loads one tensor (a fresh, persistent copy of its data). */
    public Tensor get(String name) throws IOException {
        return Tensor.wrapPersistent(load(info(name)));
    }

    /** Loads every tensor, in {@link #names()} order. */
    public Map<String, Tensor> loadAll() throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (TensorInfo t : header.tensors()) {
            out.put(t.name(), Tensor.wrapPersistent(load(t)));
        }
        return out;
    }

    /** Loads every tensor with the metadata. */
    public StateDict toStateDict() throws IOException {
        return new StateDict(loadAll(), metadata());
    }

    private INDArray load(TensorInfo t) throws IOException {
        if (closed) {
            throw new IllegalStateException("reader of " + file + " is closed: load tensors before close()");
        }
        long current = channel.size();
        if (current != fileSize) {
            // mapping beyond the end of a shrunk file would crash the JVM on access; refuse instead
            throw new SafeTensorsFormatException(file, t.name(), "the file changed size since it was opened ("
                    + fileSize + " bytes then, " + current + " now)");
        }
        try {
            return ArrayBytes.read(channel, dataStart + t.begin(), t.dtype(), t.shape(), chunkBytes);
        } catch (IOException e) {
            throw new IOException(file + ": tensor '" + t.name() + "': reading bytes [" + (dataStart + t.begin())
                    + ", " + (dataStart + t.end()) + ") failed: " + e.getMessage(), e);
        }
    }

    private String examples() {
        List<String> names = names();
        if (names.isEmpty()) {
            return "";
        }
        int k = Math.min(5, names.size());
        return ", e.g. " + String.join(", ", names.subList(0, k)) + (names.size() > k ? ", ..." : "");
    }

    /** Closes the file; tensors already loaded stay valid. Idempotent. */
    @Override
    public void close() throws IOException {
        closed = true;
        channel.close();
    }

    @Override
    public String toString() {
        return "SafeTensorsReader[" + file + ", " + size() + " tensors]";
    }
}
