package org.ldm4j.training.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.io.SafeTensorsReader;
import org.ldm4j.core.io.TensorInfo;
import org.ldm4j.core.tensor.Tensor;

/**
 * An immutable record of a training state, written as one safetensors file: the step, named groups of tensors
 * (the model's weights, the EMA, each optimizer's state), named long states (the random generators' and the data
 * loader's positions) and string metadata (the config, versions, seeds, ...).
 *
 * <p><b>Names.</b> Each group has a prefix that its tensors carry in the file. The {@link #MODEL} group has none:
 * the trainer gives it the reference's prefixed keys ({@code model.diffusion_model.*}, {@code first_stage_model.*},
 * {@code cond_stage_model.*}), and the {@link #EMA} group's prefix is {@code model_ema.}, so a reference tool that
 * reads the file sees a CompVis state dict (plus {@code optimizer.*} entries it does not know). Optimizer groups
 * are prefixed with their own name and a dot ({@code optimizer.encoder.conv_in.weight.exp_avg}). A tensor belongs
 * to the group with the longest prefix that its name starts with; {@link Builder#build()} refuses a checkpoint
 * for which that rule would not give every tensor back to its own group, so reading gives the groups exactly
 * (same keys, dtypes and values; in the file's sorted order). The format is described in
 * {@code CheckpointFormat}; {@link CheckpointHeader} reads it without loading tensors.
 *
 * <pre>{@code
 * Checkpoint c = Checkpoint.builder(step)
 *         .model(ldm.stateDict())                       // model.diffusion_model.*, first_stage_model.*, ...
 *         .ema(ema.state())                             // -> model_ema.decay, model_ema.num_updates, ...
 *         .optimizer(Checkpoint.OPTIMIZER, adamw.stateDict())
 *         .state("rng", rng.state())
 *         .state("loader", loader.state())
 *         .config(configYaml)
 *         .metadata("seed", "42")
 *         .build();
 * c.write(Path.of("run/step-000001000.safetensors"));
 *
 * Checkpoint back = Checkpoint.read(path, Checkpoint.MODEL, Checkpoint.EMA);   // required groups
 * ldm.load(back.group(Checkpoint.MODEL), true);
 * ema.load(back.group(Checkpoint.EMA));
 * adamw.loadStateDict(back.group(Checkpoint.OPTIMIZER));
 * Rng rng = Rng.fromState(back.state("rng"));
 * }</pre>
 *
 * <p>The tensors are shared, not copied: a checkpoint of live state dicts must be written before the training
 * changes them again, and tensors made inside a {@code MemoryScope} must be written before it closes.
 */
public final class Checkpoint {
    /** The model's weights, under the reference's keys (no prefix). */
    public static final String MODEL = "model";
    /** The EMA's state ({@code Ema.state()}), under the prefix {@code model_ema.}. */
    public static final String EMA = "ema";
    /** The (first) optimizer's state, under the prefix {@code optimizer.}. */
    public static final String OPTIMIZER = "optimizer";
    /** The discriminator's optimizer of an autoencoder run, under the prefix {@code optimizer.disc.}. */
    public static final String OPTIMIZER_DISC = "optimizer.disc";
    /** The metadata key of the run's config text. */
    public static final String CONFIG = "config";
    /** The metadata key of the ldm4j version that wrote the checkpoint (set by the builder). */
    public static final String LDM4J_VERSION = "ldm4j.version";
    /** The metadata key of the time the checkpoint was built, ISO-8601 UTC (set by the builder). */
    public static final String CREATED_AT = "ldm4j.created_at";

    private final long step;
    private final Map<String, Group> groups;
    private final Map<String, long[]> states;
    private final Map<String, String> metadata;

    /**
     * One group: the prefix its tensors carry in the file, and its tensors by their names without it.
     *
     * @param prefix  put before every key in the file
     * @param tensors the tensors by key; an unmodifiable copy of the map (the tensors are shared)
     */
    public record Group(String prefix, Map<String, Tensor> tensors) {
        /** Checks for nulls and copies the map, keeping its order. */
        public Group {
            if (prefix == null) {
                throw new IllegalArgumentException("prefix: expected a string (\"\" for none), got null");
            }
            if (tensors == null) {
                throw new IllegalArgumentException("tensors: expected a map of tensors, got null");
            }
            Map<String, Tensor> copy = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                if (e.getKey() == null || e.getKey().isEmpty() || e.getValue() == null) {
                    throw new IllegalArgumentException("tensors: expected non-empty names and tensors, found "
                            + (e.getValue() == null ? "no tensor for '" + e.getKey() + "'" : "an empty name"));
                }
                copy.put(e.getKey(), e.getValue());
            }
            tensors = Collections.unmodifiableMap(copy);
        }

        /** The number of elements in the group. */
        public long numel() {
            long n = 0;
            for (Tensor t : tensors.values()) {
                n += t.numel();
            }
            return n;
        }
    }

    private Checkpoint(long step, Map<String, Group> groups, Map<String, long[]> states, Map<String, String> metadata) {
        if (step < 0) {
            throw new IllegalArgumentException("step: expected a step >= 0, got " + step);
        }
        Map<String, String> prefixes = new LinkedHashMap<>();
        for (Map.Entry<String, Group> g : groups.entrySet()) {
            String clash = null;
            for (Map.Entry<String, String> other : prefixes.entrySet()) {
                if (other.getValue().equals(g.getValue().prefix())) {
                    clash = other.getKey();
                }
            }
            if (clash != null) {
                throw new IllegalArgumentException("groups: '" + clash + "' and '" + g.getKey() + "' have the same "
                        + "prefix '" + g.getValue().prefix() + "'; give each group its own");
            }
            prefixes.put(g.getKey(), g.getValue().prefix());
        }
        for (Map.Entry<String, Group> g : groups.entrySet()) {
            for (String key : g.getValue().tensors().keySet()) {
                String full = g.getValue().prefix() + key;
                String owner = CheckpointFormat.owner(full, prefixes);
                if (!g.getKey().equals(owner)) {
                    throw new IllegalArgumentException("groups: key '" + key + "' of group '" + g.getKey() + "' is "
                            + "stored as '" + full + "', which would read back as group '" + owner + "' (prefix '"
                            + prefixes.get(owner) + "'); give one of the two groups another prefix");
                }
            }
        }
        this.step = step;
        this.groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
        Map<String, long[]> s = new LinkedHashMap<>();
        states.forEach((k, v) -> s.put(k, v.clone()));
        this.states = Collections.unmodifiableMap(s);
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** A builder of the checkpoint at {@code step} (>= 0). */
    public static Builder builder(long step) {
        return new Builder(step);
    }

    // ---------------------------------------------------------------- reading and writing

    /**
     * Writes the checkpoint to {@code file} atomically (a temporary file in the same directory, flushed to disk,
     * then renamed over {@code file}): {@code file} is the old file or the complete new one, never a part.
     */
    public void write(Path file) throws IOException {
        SafeTensors.write(file, tensors(), CheckpointFormat.encode(step, groups, states, metadata));
    }

    /**
     * Reads and validates a checkpoint, loading every tensor. Throws, naming the file and what is wrong, a
     * {@link org.ldm4j.core.io.SafeTensorsFormatException} for a truncated or corrupt file and a
     * {@link CheckpointFormatException} for missing or malformed ldm4j metadata, a newer format version, tensors
     * that do not match the declared groups, or a group of {@code requiredGroups} that is absent.
     */
    public static Checkpoint read(Path file, String... requiredGroups) throws IOException {
        try (SafeTensorsReader r = SafeTensors.open(file)) {
            CheckpointHeader h = CheckpointHeader.parse(file, r);
            h.requireGroups(requiredGroups);
            Map<String, Group> groups = new LinkedHashMap<>();
            for (Map.Entry<String, CheckpointHeader.GroupHeader> g : h.groups().entrySet()) {
                String prefix = g.getValue().prefix();
                Map<String, Tensor> tensors = new LinkedHashMap<>();
                for (TensorInfo t : g.getValue().tensors()) {
                    tensors.put(t.name().substring(prefix.length()), r.get(t.name()));
                }
                groups.put(g.getKey(), new Group(prefix, tensors));
            }
            Map<String, long[]> states = new LinkedHashMap<>();
            for (String name : h.stateNames()) {
                states.put(name, h.state(name));
            }
            return new Checkpoint(h.step(), groups, states, h.metadata());
        }
    }

    // ---------------------------------------------------------------- accessors

    /** The training step. */
    public long step() {
        return step;
    }

    /** The groups by name, in the order they were added (or declared in the file); unmodifiable. */
    public Map<String, Group> groups() {
        return groups;
    }

    public boolean hasGroup(String name) {
        return groups.containsKey(name);
    }

    /** The tensors of group {@code name}, by key without the prefix; an exception naming the groups if absent. */
    public Map<String, Tensor> group(String name) {
        Group g = groups.get(name);
        if (g == null) {
            throw new IllegalArgumentException("name: the checkpoint of step " + step + " has no group '" + name
                    + "'; it has " + groups.keySet());
        }
        return g.tensors();
    }

    /** Every tensor under its name in the file (prefix + key), group by group. */
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Group g : groups.values()) {
            g.tensors().forEach((k, t) -> out.put(g.prefix() + k, t));
        }
        return out;
    }

    /** The names of the long states, in order. */
    public Set<String> stateNames() {
        return states.keySet();
    }

    public boolean hasState(String name) {
        return states.containsKey(name);
    }

    /** A copy of long state {@code name}, e.g. for {@code Rng.fromState}; an exception naming the states if absent. */
    public long[] state(String name) {
        long[] s = states.get(name);
        if (s == null) {
            throw new IllegalArgumentException("name: the checkpoint of step " + step + " has no state '" + name
                    + "'; it has " + states.keySet());
        }
        return s.clone();
    }

    /** The metadata (config, versions, creation time, seeds, ...), in order; unmodifiable. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The run's config text, if the checkpoint has one. */
    public Optional<String> config() {
        return Optional.ofNullable(metadata.get(CONFIG));
    }

    /** When the checkpoint was built, if recorded and readable. */
    public Optional<Instant> createdAt() {
        String s = metadata.get(CREATED_AT);
        try {
            return s == null ? Optional.empty() : Optional.of(Instant.parse(s));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Checkpoint[step ").append(step).append(", groups {");
        String sep = "";
        for (Map.Entry<String, Group> g : groups.entrySet()) {
            s.append(sep).append(g.getKey()).append(": ").append(g.getValue().tensors().size()).append(" tensors");
            sep = ", ";
        }
        return s.append("}, states ").append(states.keySet()).append(", metadata ").append(metadata.keySet())
                .append(']').toString();
    }

    // ---------------------------------------------------------------- builder

    /**
     * Collects the parts of a {@link Checkpoint}. Sets {@link #LDM4J_VERSION} and {@link #CREATED_AT} unless
     * given; refuses a group, state or metadata key given twice.
     */
    public static final class Builder {
        private final long step;
        private final Map<String, Group> groups = new LinkedHashMap<>();
        private final Map<String, long[]> states = new LinkedHashMap<>();
        private final Map<String, String> metadata = new LinkedHashMap<>();

        private Builder(long step) {
            if (step < 0) {
                throw new IllegalArgumentException("step: expected a step >= 0, got " + step);
            }
            this.step = step;
        }

        /** The model's state dict under the reference's keys, unprefixed: group {@link #MODEL}. */
        public Builder model(Map<String, Tensor> stateDict) {
            return group(MODEL, "", stateDict);
        }

        /** The EMA's state ({@code ema.state()}): group {@link #EMA}, stored under {@code model_ema.}. */
        public Builder ema(Map<String, Tensor> emaState) {
            return group(EMA, "model_ema.", emaState);
        }

        /**
         * An optimizer's state dict ({@code optimizer.stateDict()}) as group {@code name}, stored under
         * {@code name + "."}: {@link #OPTIMIZER}, {@link #OPTIMIZER_DISC}, or another name.
         */
        public Builder optimizer(String name, Map<String, Tensor> optimizerState) {
            return group(name, name + ".", optimizerState);
        }

        /** Any group of tensors, stored as {@code prefix + key}. */
        public Builder group(String name, String prefix, Map<String, Tensor> tensors) {
            if (!CheckpointFormat.validGroupName(name)) {
                throw new IllegalArgumentException("name: expected a group name of letters, digits, '_', '-' and "
                        + "'.', got " + (name == null ? "null" : "'" + name + "'"));
            }
            if (groups.containsKey(name)) {
                throw new IllegalArgumentException("name: group '" + name + "' was already added");
            }
            groups.put(name, new Group(prefix, tensors));
            return this;
        }

        /** A named long state, e.g. {@code state("rng", rng.state())}, {@code state("loader", loader.state())}. */
        public Builder state(String name, long[] values) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("name: expected a non-empty state name, got "
                        + (name == null ? "null" : "\"\""));
            }
            if (values == null) {
                throw new IllegalArgumentException("values: expected the longs of state '" + name + "', got null");
            }
            if (states.containsKey(name)) {
                throw new IllegalArgumentException("name: state '" + name + "' was already added");
            }
            states.put(name, values.clone());
            return this;
        }

        /** The run's config as text (YAML or JSON), under metadata key {@link #CONFIG}. */
        public Builder config(String text) {
            return metadata(CONFIG, text);
        }

        /** A metadata entry; the format's own keys ({@code format}, {@code ldm4j.format}, ...) are refused. */
        public Builder metadata(String key, String value) {
            if (key == null || key.isEmpty() || value == null) {
                throw new IllegalArgumentException("metadata: expected a non-empty key and a value, got key "
                        + (key == null ? "null" : "'" + key + "'") + " and value " + value);
            }
            if (CheckpointFormat.STRUCTURAL.contains(key)) {
                throw new IllegalArgumentException("metadata: key '" + key + "' is reserved for the checkpoint "
                        + "format (reserved: " + CheckpointFormat.STRUCTURAL + ")");
            }
            if (metadata.containsKey(key)) {
                throw new IllegalArgumentException("metadata: key '" + key + "' was already set");
            }
            metadata.put(key, value);
            return this;
        }

        /** The checkpoint; checks that every tensor would read back into its own group. */
        public Checkpoint build() {
            Map<String, String> meta = new LinkedHashMap<>(metadata);
            meta.putIfAbsent(LDM4J_VERSION, CheckpointFormat.ldm4jVersion());
            meta.putIfAbsent(CREATED_AT, Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
            return new Checkpoint(step, groups, states, meta);
        }
    }
}
