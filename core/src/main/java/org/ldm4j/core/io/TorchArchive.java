package org.ldm4j.core.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.ZipFile;
import org.ldm4j.core.io.TorchUnpickler.TensorRef;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

/**
 * A {@code torch.save} archive opened to read the tensors of its state dict one at a time: the pickle is
 * interpreted when it opens, exactly as {@link TorchCheckpoint#load} interprets it (the same allow-list, nothing
 * from the file executed), but no storage is read until {@link #read} asks for a tensor. A checkpoint can thus be
 * listed, and copied into a model tensor by tensor, without ever being whole in memory (a 4 GB Stable Diffusion
 * {@code .ckpt} next to the 4 GB model it is loaded into).
 *
 * <p>The names are those of {@link TorchCheckpoint#stateDict()}: the tensors under the top-level
 * {@code state_dict} with that prefix removed, or every tensor of a file that is itself a state dict. Each
 * {@link #read} returns a fresh persistent, contiguous tensor (a storage shared by several tensors is read once for
 * each). Not thread-safe; close it when done.
 *
 * <pre>{@code
 * try (TorchArchive a = TorchArchive.open(Path.of("sd-v1-4.ckpt"), TorchCheckpoint.Options.lenient())) {
 *     long[] shape = a.shape("model.diffusion_model.out.2.weight");      // [4, 320, 3, 3], nothing read yet
 *     Tensor w = a.read("model.diffusion_model.out.2.weight");           // this tensor's storage only
 * }
 * }</pre>
 */
public final class TorchArchive implements Closeable {
    private final Path file;
    private final ZipFile zip;
    private final String top;
    private final Map<String, TensorRef> refs;
    private final Map<String, String> values;
    private final List<String> placeholders;
    private boolean closed;

    private TorchArchive(Path file, ZipFile zip, String top, Map<String, TensorRef> refs, Map<String, String> values,
            List<String> placeholders) {
        this.file = file;
        this.zip = zip;
        this.top = top;
        this.refs = refs;
        this.values = values;
        this.placeholders = placeholders;
    }

    /**
     * Opens {@code file} and interprets its pickle: an {@link UnsafePickleException} for a refused global or
     * opcode, a {@link TorchCheckpoint.FormatException} for a malformed archive or a tensor of a dtype ldm4j has
     * no type for.
     */
    public static TorchArchive open(Path file, TorchCheckpoint.Options options) throws IOException {
        Objects.requireNonNull(options, "options");
        TorchCheckpoint.checkZipMagic(file);
        ZipFile zip = TorchCheckpoint.open(file);
        try {
            String top = TorchCheckpoint.topFolder(file, zip);
            TorchCheckpoint.Unpickled u = TorchCheckpoint.unpickle(file, zip, top, options);
            String prefix = TorchCheckpoint.stateDictPrefix(u.root());
            Map<String, TensorRef> refs = new LinkedHashMap<>();
            for (Map.Entry<String, TensorRef> e : u.flat().tensors.entrySet()) {
                if (e.getKey().startsWith(prefix)) {
                    TorchUnpickler.StorageType type = e.getValue().storage.type();
                    if (type.dtype == null) {
                        throw new TorchCheckpoint.FormatException(file, e.getKey(), "dtype " + type.torchDtype
                                + " (torch." + type.className + ") has no ldm4j DType (supported: float32, float16, "
                                + "bfloat16, float64, int64, int32, uint8, bool); convert the tensor in PyTorch first");
                    }
                    refs.put(e.getKey().substring(prefix.length()), e.getValue());
                }
            }
            Map<String, String> values = new LinkedHashMap<>();
            u.flat().values.forEach((k, v) -> values.put(k, String.valueOf(v)));
            return new TorchArchive(file, zip, top, refs, values, u.placeholders());
        } catch (IOException | RuntimeException | Error e) {
            zip.close();
            throw e;
        }
    }

    /** The file that was opened. */
    public Path file() {
        return file;
    }

    /** The state dict's tensor names, in file order. */
    public List<String> names() {
        return new ArrayList<>(refs.keySet());
    }

    public boolean contains(String name) {
        return refs.containsKey(name);
    }

    /** The dtype of tensor {@code name}. */
    public DType dtype(String name) {
        return ref(name).storage.type().dtype;
    }

    /** The shape of tensor {@code name} (nothing is read). */
    public long[] shape(String name) {
        return ref(name).size.clone();
    }

    /** Every plain value of the file (str, int, float, bool) as text, by dotted path ({@code global_step}). */
    public Map<String, String> values() {
        return values;
    }

    /** The unknown globals that lenient mode kept as placeholders; empty in strict mode. */
    public List<String> placeholders() {
        return placeholders;
    }

    /** Reads tensor {@code name}: a fresh persistent, contiguous copy out of its storage. */
    public Tensor read(String name) throws IOException {
        if (closed) {
            throw new IllegalStateException("archive " + file + " is closed: read tensors before close()");
        }
        TensorRef ref = ref(name);
        return TorchStorage.load(file, zip, top, Map.of(name, ref)).get(ref);
    }

    private TensorRef ref(String name) {
        TensorRef r = refs.get(name);
        if (r == null) {
            throw new IllegalArgumentException("tensor '" + name + "' is not in " + file + "'s state dict ("
                    + refs.size() + " tensors)");
        }
        return r;
    }

    /** Closes the file; tensors already read stay valid. Idempotent. */
    @Override
    public void close() throws IOException {
        closed = true;
        zip.close();
    }

    @Override
    public String toString() {
        return "TorchArchive[" + file + ", " + refs.size() + " tensors]";
    }
}
