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

    /** A safetensors file: the header lists everything, {@link #read} maps one tensor. */
    final class SafeTensorsSource implements WeightSource {
        private final SafeTensorsReader reader;
        private final Map<String, Entry> entries = new LinkedHashMap<>();
        private final Map<String, Tensor> open = new HashMap<>();

        SafeTensorsSource(Path file) throws IOException {
            reader = SafeTensors.open(file);
            for (TensorInfo t : reader.infos()) {
                entries.put(t.name(), new Entry(t.dtype(), t.shape()));
            }
        }

        @Override
        public String describe() {
            return reader.file().getFileName().toString();
        }

        @Override
        public Map<String, Entry> entries() {
            return Collections.unmodifiableMap(entries);
        }

        @Override
        public Tensor read(String name) throws IOException {
            Tensor t = reader.get(name);
            Tensor earlier = open.put(name, t);
            if (earlier != null) {
                MemoryScope.release(earlier.array());
            }
            return t;
        }

        @Override
        public void done(String name) {
            Tensor t = open.remove(name);
            if (t != null) {
                MemoryScope.release(t.array());
            }
        }

        @Override
        public void close() throws IOException {
            for (Tensor t : open.values()) {
                MemoryScope.release(t.array());
            }
            open.clear();
            reader.close();
        }
    }

    /** A torch archive: {@link #read} reads one storage out of the zip. */
    final class TorchSource implements WeightSource {
        private final TorchArchive archive;
        private final Map<String, Entry> entries = new LinkedHashMap<>();
        private final Map<String, Tensor> open = new HashMap<>();

        TorchSource(TorchArchive archive) {
            this.archive = archive;
            for (String n : archive.names()) {
                entries.put(n, new Entry(archive.dtype(n), archive.shape(n)));
            }
        }

        @Override
        public String describe() {
            return archive.file().getFileName().toString();
        }

        @Override
        public Map<String, Entry> entries() {
            return Collections.unmodifiableMap(entries);
        }

        @Override
        public Tensor read(String name) throws IOException {
            Tensor t = archive.read(name);
            Tensor earlier = open.put(name, t);
            if (earlier != null) {
                MemoryScope.release(earlier.array());
            }
            return t;
        }

        @Override
        public void done(String name) {
            Tensor t = open.remove(name);
            if (t != null) {
                MemoryScope.release(t.array());
            }
        }

        @Override
        public void close() throws IOException {
            for (Tensor t : open.values()) {
                MemoryScope.release(t.array());
            }
            open.clear();
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
