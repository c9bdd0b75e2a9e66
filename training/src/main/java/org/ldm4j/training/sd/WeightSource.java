package org.ldm4j.training.sd;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.io.SafeTensorsReader;
import org.ldm4j.core.io.TensorInfo;
import org.ldm4j.core.io.TorchArchive;
import org.ldm4j.core.io.TorchCheckpoint;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * The named tensors of a checkpoint, listed without reading them and then read one at a time, so that loading
 * holds the model plus one tensor: a {@code .safetensors} file (each tensor memory-mapped on request), a
 * {@code torch.save} file ({@link TorchArchive}: each tensor's storage read from the zip on request), or several
 * files under name prefixes (a diffusers folder). Not thread-safe.
 *
 * <pre>{@code
 * try (WeightSource src = WeightSource.safetensors(Path.of("sd.safetensors"))) {
 *     long[] shape = src.entries().get("model.diffusion_model.out.2.weight").shape();
 *     Tensor w = src.read("model.diffusion_model.out.2.weight");
 *     ...
 *     src.done("model.diffusion_model.out.2.weight");        // frees it
 * }
 * }</pre>
 */
interface WeightSource extends Closeable {

    /**
     * A tensor's type and shape.
     *
     * @param dtype its type on disk
     * @param shape its shape
     */
    record Entry(DType dtype, long[] shape) {
        public Entry {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    /** Where the tensors come from ("sd.safetensors"), for messages. */
    String describe();

    /** Every tensor's type and shape by name, in the order of the file. */
    Map<String, Entry> entries();

    /** The tensor called {@code name}; hand it back with {@link #done} after use. */
    Tensor read(String name) throws IOException;

    /** Frees the tensor {@code name} (after {@link #read}, or instead of reading it). */
    void done(String name);

    /** A safetensors file; each tensor is read from its own memory mapping. */
    static WeightSource safetensors(Path file) throws IOException {
        return new SafeTensorsSource(file);
    }

    /**
     * A {@code torch.save} zip ({@code .ckpt}, {@code .pt}, {@code .bin}): its {@code state_dict}, each tensor read
     * on request. Lenient: objects saved beside the weights (a Lightning callback) become inert placeholders.
     */
    static WeightSource torch(Path file) throws IOException {
        return new TorchSource(TorchArchive.open(file, TorchCheckpoint.Options.lenient()));
    }

    /** A safetensors or torch file, by its first bytes. */
    static WeightSource open(Path file) throws IOException {
        return StableDiffusion.isZip(file) ? torch(file) : safetensors(file);
    }

    /** Several sources, each tensor named {@code prefix + name} (prefixes such as {@code "unet/"}). */
    static WeightSource prefixed(Map<String, WeightSource> byPrefix) {
        return new PrefixedSource(byPrefix);
    }

    /**
     * A single file whose tensors are read one at a time: keeps the tensors handed out until {@link #done} and
     * frees them; the file's own reading is {@link #fetch}.
     */
    abstract class FileSource implements WeightSource {
        private final String name;
        private final Map<String, Entry> entries = new LinkedHashMap<>();
        private final Map<String, Tensor> open = new HashMap<>();

        FileSource(String name) {
            this.name = name;
        }

        /** Lists a tensor (at construction). */
        final void list(String tensor, DType dtype, long[] shape) {
            entries.put(tensor, new Entry(dtype, shape));
        }

        /** Reads tensor {@code tensor} from the file. */
        abstract Tensor fetch(String tensor) throws IOException;

        /** Closes the file. */
        abstract void closeFile() throws IOException;

        @Override
        public final String describe() {
            return name;
        }

        @Override
        public final Map<String, Entry> entries() {
            return Collections.unmodifiableMap(entries);
        }

        @Override
        public final Tensor read(String tensor) throws IOException {
            Tensor t = fetch(tensor);
            Tensor earlier = open.put(tensor, t);
            if (earlier != null) {
                MemoryScope.release(earlier.array());
            }
            return t;
        }

        @Override
        public final void done(String tensor) {
            Tensor t = open.remove(tensor);
            if (t != null) {
                MemoryScope.release(t.array());
            }
        }

        @Override
        public final void close() throws IOException {
            for (Tensor t : open.values()) {
                MemoryScope.release(t.array());
            }
            open.clear();
            closeFile();
        }
    }

    /** A safetensors file: the header lists everything, {@link #read} maps one tensor. */
    final class SafeTensorsSource extends FileSource {
        private final SafeTensorsReader reader;

        SafeTensorsSource(Path file) throws IOException {
            this(SafeTensors.open(file));
        }

        private SafeTensorsSource(SafeTensorsReader reader) {
            super(reader.file().getFileName().toString());
            this.reader = reader;
            for (TensorInfo t : reader.infos()) {
                list(t.name(), t.dtype(), t.shape());
            }
        }

        @Override
        Tensor fetch(String tensor) throws IOException {
            return reader.get(tensor);
        }

        @Override
        void closeFile() throws IOException {
            reader.close();
        }
    }

    /** A torch archive: {@link #read} reads one storage out of the zip. */
    final class TorchSource extends FileSource {
        private final TorchArchive archive;

        TorchSource(TorchArchive archive) {
            super(archive.file().getFileName().toString());
            this.archive = archive;
            for (String n : archive.names()) {
                list(n, archive.dtype(n), archive.shape(n));
            }
        }

        @Override
        Tensor fetch(String tensor) throws IOException {
            return archive.read(tensor);
        }

        @Override
        void closeFile() throws IOException {
            archive.close();
        }
    }

    /** Several sources under name prefixes. */
    final class PrefixedSource implements WeightSource {
        private final Map<String, WeightSource> byPrefix;
        private final Map<String, Entry> entries = new LinkedHashMap<>();
        private final Map<String, WeightSource> owner = new HashMap<>();
        private final Map<String, String> inner = new HashMap<>();

        PrefixedSource(Map<String, WeightSource> byPrefix) {
            this.byPrefix = new LinkedHashMap<>(byPrefix);
            for (Map.Entry<String, WeightSource> s : this.byPrefix.entrySet()) {
                for (Map.Entry<String, Entry> e : s.getValue().entries().entrySet()) {
                    String name = s.getKey() + e.getKey();
                    entries.put(name, e.getValue());
                    owner.put(name, s.getValue());
                    inner.put(name, e.getKey());
                }
            }
        }

        @Override
        public String describe() {
            return String.join(", ", byPrefix.values().stream().map(WeightSource::describe).toList());
        }

        @Override
        public Map<String, Entry> entries() {
            return Collections.unmodifiableMap(entries);
        }

        @Override
        public Tensor read(String name) throws IOException {
            WeightSource s = owner.get(name);
            if (s == null) {
                throw new IllegalArgumentException("tensor '" + name + "' is not in " + describe());
            }
            return s.read(inner.get(name));
        }

        @Override
        public void done(String name) {
            WeightSource s = owner.get(name);
            if (s != null) {
                s.done(inner.get(name));
            }
        }

        @Override
        public void close() throws IOException {
            IOException first = null;
            for (WeightSource s : byPrefix.values()) {
                try {
                    s.close();
                } catch (IOException e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        }
    }
}
