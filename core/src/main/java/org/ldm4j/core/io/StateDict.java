package org.ldm4j.core.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.ldm4j.core.tensor.Tensor;

/**
 * Named tensors in a fixed order plus string metadata: the contents of a checkpoint. Immutable (the maps cannot
 * be changed; the tensors themselves are shared, not copied).
 *
 * <p>Full LDM checkpoints nest the parts under prefixes ({@code model.diffusion_model.} for the UNet,
 * {@code first_stage_model.} for the autoencoder); {@link #stripPrefix} takes a part out and {@link #withPrefix}
 * puts one back.
 *
 * <pre>{@code
 * StateDict ckpt = StateDict.read(Path.of("ldm.safetensors"));
 * StateDict unet = ckpt.stripPrefix("model.diffusion_model.");      // keys as in UNetModel.state_dict()
 * Tensor w = unet.get("out.2.weight");
 * unet.withPrefix("model.diffusion_model.").write(Path.of("unet-only.safetensors"));
 * }</pre>
 */
public final class StateDict {
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    /** Copies both maps, keeping their iteration order. */
    public StateDict(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            t.put(Objects.requireNonNull(e.getKey(), "tensor name"),
                    Objects.requireNonNull(e.getValue(), () -> "tensor '" + e.getKey() + "'"));
        }
        this.tensors = Collections.unmodifiableMap(t);
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** Tensors without metadata. */
    public StateDict(Map<String, Tensor> tensors) {
        this(tensors, Map.of());
    }

    /** Reads a safetensors file (see {@link SafeTensors#read}). */
    public static StateDict read(Path file) throws IOException {
        return SafeTensors.read(file);
    }

    /** Writes a safetensors file atomically (see {@link SafeTensors#write(Path, Map, Map)}). */
    public void write(Path file) throws IOException {
        SafeTensors.write(file, tensors, metadata);
    }

    /** The tensors by name, in order; unmodifiable. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** The metadata, in order; unmodifiable. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The names, in order. */
    public Set<String> names() {
        return tensors.keySet();
    }

    public int size() {
        return tensors.size();
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor called {@code name}; an {@code IllegalArgumentException} listing similar names if absent. */
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("name: no tensor '" + name + "' among " + size() + " tensors"
                    + similar(name));
        }
        return t;
    }

    /** The total number of elements, i.e. the parameter count of a weights file. */
    public long numel() {
        long n = 0;
        for (Tensor t : tensors.values()) {
            n += t.numel();
        }
        return n;
    }

    /** Every key with {@code prefix} in front ({@code "model.diffusion_model."} + key); same metadata. */
    public StateDict withPrefix(String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            out.put(prefix + e.getKey(), e.getValue());
        }
        return new StateDict(out, metadata);
    }

    /** Only the keys that start with {@code prefix}, with it removed; same metadata. May be empty. */
    public StateDict stripPrefix(String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                out.put(e.getKey().substring(prefix.length()), e.getValue());
            }
        }
        return new StateDict(out, metadata);
    }

    /** The same tensors with other metadata. */
    public StateDict withMetadata(Map<String, String> newMetadata) {
        return new StateDict(tensors, newMetadata);
    }

    /** Up to five names that share the longest prefix with {@code name}, as a hint for a mistyped key. */
    private String similar(String name) {
        int best = -1;
        List<String> hits = new ArrayList<>();
        for (String k : tensors.keySet()) {
            int p = 0;
            while (p < k.length() && p < name.length() && k.charAt(p) == name.charAt(p)) {
                p++;
            }
            if (p > best) {
                best = p;
                hits.clear();
            }
            if (p == best && hits.size() < 5) {
                hits.add(k);
            }
        }
        return hits.isEmpty() ? "" : "; closest: " + String.join(", ", hits);
    }

    @Override
    public String toString() {
        return "StateDict[" + size() + " tensors, " + numel() + " elements, metadata " + metadata.keySet() + "]";
    }
}
