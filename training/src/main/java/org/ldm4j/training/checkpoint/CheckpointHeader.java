package org.ldm4j.training.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ldm4j.core.io.Json;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.io.SafeTensorsReader;
import org.ldm4j.core.io.TensorInfo;

/**
 * What a checkpoint file holds, read from its header alone (no tensor is loaded): the step, the groups with
 * their tensor entries, the saved states and the metadata, all validated as {@link Checkpoint#read} validates
 * them. Cheap even for a multi-gigabyte file: for listing runs and {@code ldm4j inspect}.
 *
 * <pre>{@code
 * CheckpointHeader h = CheckpointHeader.read(Path.of("run/step-000001000.safetensors"));
 * System.out.println("step " + h.step() + ", groups " + h.groups().keySet());
 * long unetParams = h.groups().get(Checkpoint.MODEL).numel();
 * }</pre>
 */
public final class CheckpointHeader {
    private final Path file;
    private final int formatVersion;
    private final long step;
    private final Map<String, GroupHeader> groups;
    private final Map<String, long[]> states;
    private final Map<String, String> metadata;

    /**
     * One group's entries.
     *
     * @param prefix  what the group's tensor names start with in the file
     * @param tensors the group's entries, with their full names as in the file, in file order
     */
    public record GroupHeader(String prefix, List<TensorInfo> tensors) {
        /** Copies the list. */
        public GroupHeader {
            tensors = List.copyOf(tensors);
        }

        /** The number of tensors. */
        public int count() {
            return tensors.size();
        }

        /** The number of elements (the parameter count, for a weights group). */
        public long numel() {
            long n = 0;
            for (TensorInfo t : tensors) {
                n += t.numel();
            }
            return n;
        }

        /** The bytes of tensor data. */
        public long bytes() {
            long n = 0;
            for (TensorInfo t : tensors) {
                n += t.byteSize();
            }
            return n;
        }
    }

    private CheckpointHeader(Path file, int formatVersion, long step, Map<String, GroupHeader> groups,
            Map<String, long[]> states, Map<String, String> metadata) {
        this.file = file;
        this.formatVersion = formatVersion;
        this.step = step;
        this.groups = Collections.unmodifiableMap(groups);
        this.states = Collections.unmodifiableMap(states);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /**
     * Reads and validates the header of {@code file}. A file that is not valid safetensors gives a
     * {@link org.ldm4j.core.io.SafeTensorsFormatException}; one that is not a valid ldm4j checkpoint a
     * {@link CheckpointFormatException}; both name the file.
     */
    public static CheckpointHeader read(Path file) throws IOException {
        try (SafeTensorsReader r = SafeTensors.open(file)) {
            return parse(file, r);
        }
    }

    /** Whether safetensors metadata marks an ldm4j checkpoint (its other entries are not checked). */
    public static boolean isCheckpoint(Map<String, String> safetensorsMetadata) {
        return safetensorsMetadata.containsKey(CheckpointFormat.FORMAT_KEY);
    }

    /** Validates the ldm4j metadata of an open file against its tensor entries. */
    static CheckpointHeader parse(Path file, SafeTensorsReader reader) throws CheckpointFormatException {
        Map<String, String> meta = reader.metadata();
        String format = meta.get(CheckpointFormat.FORMAT_KEY);
        if (format == null) {
            throw new CheckpointFormatException(file, "not an ldm4j checkpoint: its safetensors metadata has no '"
                    + CheckpointFormat.FORMAT_KEY + "' entry (found " + (meta.isEmpty() ? "no metadata"
                    : "keys " + meta.keySet()) + "); list what it holds with `ldm4j inspect`, or read it with "
                    + "SafeTensors.read");
        }
        if (!format.equals(CheckpointFormat.FORMAT_NAME)) {
            throw new CheckpointFormatException(file, "metadata '" + CheckpointFormat.FORMAT_KEY + "': expected '"
                    + CheckpointFormat.FORMAT_NAME + "', found '" + format + "'");
        }
        int version = (int) wholeNumber(file, meta, CheckpointFormat.VERSION_KEY, 1, Integer.MAX_VALUE);
        if (version > CheckpointFormat.VERSION) {
            String by = meta.get("ldm4j.version");
            throw new CheckpointFormatException(file, "written in checkpoint format version " + version
                    + (by == null ? "" : " (by ldm4j " + by + ")") + ", newer than version "
                    + CheckpointFormat.VERSION + " that this ldm4j (" + CheckpointFormat.ldm4jVersion()
                    + ") reads; upgrade ldm4j to load it");
        }
        long step = wholeNumber(file, meta, CheckpointFormat.STEP_KEY, 0, Long.MAX_VALUE);
        Declared declared = declaredGroups(file, meta);
        Map<String, String> prefixes = declared.prefixes();
        Map<String, long[]> states = states(file, meta);

        Map<String, List<TensorInfo>> members = new LinkedHashMap<>();
        prefixes.keySet().forEach(g -> members.put(g, new ArrayList<>()));
        for (TensorInfo t : reader.infos()) {
            String owner = CheckpointFormat.owner(t.name(), prefixes);
            if (owner == null) {
                throw new CheckpointFormatException(file, "tensor '" + t.name() + "' belongs to no group (the "
                        + "groups' prefixes are " + quoted(prefixes) + ")");
            }
            members.get(owner).add(t);
        }
        Map<String, GroupHeader> groups = new LinkedHashMap<>();
        for (Map.Entry<String, List<TensorInfo>> g : members.entrySet()) {
            long expected = declared.counts().get(g.getKey());
            if (g.getValue().size() != expected) {
                throw new CheckpointFormatException(file, "group '" + g.getKey() + "' declares " + expected
                        + " tensors, but the file has " + g.getValue().size() + " under its prefix '"
                        + prefixes.get(g.getKey()) + "': the file is incomplete or was edited");
            }
            groups.put(g.getKey(), new GroupHeader(prefixes.get(g.getKey()), g.getValue()));
        }
        Map<String, String> own = new LinkedHashMap<>(meta);
        own.keySet().removeAll(CheckpointFormat.STRUCTURAL);
        return new CheckpointHeader(file, version, step, groups, states, own);
    }

    /** The groups that the metadata declares: name to prefix and name to tensor count, in declared order. */
    private record Declared(Map<String, String> prefixes, Map<String, Long> counts) {
    }

    private static long wholeNumber(Path file, Map<String, String> meta, String key, long min, long max)
            throws CheckpointFormatException {
        String v = required(file, meta, key);
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new CheckpointFormatException(file, "metadata '" + key + "': expected a whole number, found '" + v
                    + "'");
        }
        if (n < min || n > max) {
            throw new CheckpointFormatException(file, "metadata '" + key + "': expected a whole number in [" + min
                    + ", " + max + "], found " + n);
        }
        return n;
    }

    private static String required(Path file, Map<String, String> meta, String key) throws CheckpointFormatException {
        String v = meta.get(key);
        if (v == null) {
            throw new CheckpointFormatException(file, "missing metadata '" + key + "', which every ldm4j checkpoint "
                    + "has: the header was edited or written by another tool");
        }
        return v;
    }

    private static Declared declaredGroups(Path file, Map<String, String> meta)
            throws CheckpointFormatException {
        String key = CheckpointFormat.GROUPS_KEY;
        Map<?, ?> root = object(file, key, parse(file, key, required(file, meta, key)));
        Map<String, String> prefixes = new LinkedHashMap<>();
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : root.entrySet()) {
            String name = (String) e.getKey();
            String where = key + "." + name;
            if (!CheckpointFormat.validGroupName(name)) {
                throw new CheckpointFormatException(file, "metadata '" + key + "': expected group names of letters, "
                        + "digits, '_', '-' and '.', found '" + name + "'");
            }
            Map<?, ?> g = object(file, where, e.getValue());
            if (!(g.get("prefix") instanceof String prefix)) {
                throw new CheckpointFormatException(file, "metadata '" + where + "': expected a string \"prefix\", "
                        + "found " + g.get("prefix"));
            }
            if (!(g.get("tensors") instanceof Long count) || count < 0) {
                throw new CheckpointFormatException(file, "metadata '" + where + "': expected a whole number "
                        + "\"tensors\" >= 0, found " + g.get("tensors"));
            }
            for (Map.Entry<String, String> other : prefixes.entrySet()) {
                if (other.getValue().equals(prefix)) {
                    throw new CheckpointFormatException(file, "metadata '" + key + "': groups '" + other.getKey()
                            + "' and '" + name + "' have the same prefix '" + prefix + "'");
                }
            }
            prefixes.put(name, prefix);
            counts.put(name, count);
        }
        return new Declared(prefixes, counts);
    }

    private static Map<String, long[]> states(Path file, Map<String, String> meta) throws CheckpointFormatException {
        String key = CheckpointFormat.STATES_KEY;
        String text = meta.get(key);
        Map<String, long[]> out = new LinkedHashMap<>();
        if (text == null) {
            return out;
        }
        Map<?, ?> root = object(file, key, parse(file, key, text));
        for (Map.Entry<?, ?> e : root.entrySet()) {
            if (!(e.getValue() instanceof List<?> list)) {
                throw new CheckpointFormatException(file, "metadata '" + key + "." + e.getKey() + "': expected an "
                        + "array of whole numbers, found " + e.getValue());
            }
            long[] values = new long[list.size()];
            for (int i = 0; i < values.length; i++) {
                if (!(list.get(i) instanceof Long x)) {
                    throw new CheckpointFormatException(file, "metadata '" + key + "." + e.getKey() + "': expected "
                            + "64-bit whole numbers, found " + list.get(i) + " at index " + i);
                }
                values[i] = x;
            }
            out.put((String) e.getKey(), values);
        }
        return out;
    }

    private static Object parse(Path file, String key, String text) throws CheckpointFormatException {
        try {
            return Json.parse(text);
        } catch (Json.ParseException e) {
            throw new CheckpointFormatException(file, "metadata '" + key + "' is not valid JSON: " + e.getMessage());
        }
    }

    private static Map<?, ?> object(Path file, String key, Object v) throws CheckpointFormatException {
        if (!(v instanceof Map<?, ?> m)) {
            throw new CheckpointFormatException(file, "metadata '" + key + "': expected a JSON object, found " + v);
        }
        return m;
    }

    private static String quoted(Map<String, String> prefixes) {
        List<String> out = new ArrayList<>();
        prefixes.forEach((g, p) -> out.add(g + " '" + p + "'"));
        return out.toString();
    }

    // ---------------------------------------------------------------- accessors

    /** The file this header was read from. */
    public Path file() {
        return file;
    }

    /** The checkpoint format version the file was written in (1 today). */
    public int formatVersion() {
        return formatVersion;
    }

    /** The training step the checkpoint was taken at. */
    public long step() {
        return step;
    }

    /** The groups by name, in the file's declared order; unmodifiable. */
    public Map<String, GroupHeader> groups() {
        return groups;
    }

    /** The names of the saved long states ("rng", "loader", ...). */
    public Set<String> stateNames() {
        return states.keySet();
    }

    /** A copy of the saved long state {@code name}. */
    public long[] state(String name) {
        long[] s = states.get(name);
        if (s == null) {
            throw new IllegalArgumentException("name: " + file + " holds no state '" + name + "'; it holds "
                    + states.keySet());
        }
        return s.clone();
    }

    /** The checkpoint's own metadata (config, versions, seeds, ...), without the format's entries; unmodifiable. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The number of tensors in all groups. */
    public int tensorCount() {
        int n = 0;
        for (GroupHeader g : groups.values()) {
            n += g.count();
        }
        return n;
    }

    /**
     * Throws a {@link CheckpointFormatException} naming the file, the missing groups and the groups present,
     * unless every group in {@code names} is in the file.
     */
    public void requireGroups(String... names) throws CheckpointFormatException {
        List<String> missing = new ArrayList<>();
        for (String n : names) {
            if (!groups.containsKey(n)) {
                missing.add("'" + n + "'");
            }
        }
        if (!missing.isEmpty()) {
            throw new CheckpointFormatException(file, "missing group" + (missing.size() == 1 ? " " : "s ")
                    + String.join(", ", missing) + " (required); the file has groups " + groups.keySet());
        }
    }

    @Override
    public String toString() {
        return "CheckpointHeader[" + file + ", step " + step + ", groups " + groups.keySet() + "]";
    }
}
