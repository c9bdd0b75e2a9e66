package org.ldm4j.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.ldm4j.core.io.PickleReader.Tuple;
import org.ldm4j.core.io.TorchUnpickler.Placeholder;
import org.ldm4j.core.io.TorchUnpickler.TensorRef;
import org.ldm4j.core.tensor.Tensor;

/**
 * The tensors of a PyTorch {@code .ckpt}/{@code .pt} file, as written by {@code torch.save} since PyTorch 1.6: a
 * zip holding {@code <top>/data.pkl} (a pickle of the saved object), one {@code <top>/data/<key>} entry per
 * storage and {@code <top>/version}, where {@code <top>} is any folder name ({@code archive}, the file's stem).
 *
 * <p><b>Safety.</b> A pickle is a program: Python's {@code pickle.load} imports and calls whatever globals the file
 * names, so loading an untrusted {@code .ckpt} with PyTorch can run arbitrary code. This reader interprets the
 * pickle with its own code and resolves every global against a fixed allow-list: {@code collections.OrderedDict},
 * {@code torch._utils._rebuild_tensor_v2}, {@code _rebuild_parameter}, {@code _rebuild_parameter_with_state} and
 * the {@code torch.*Storage} classes, each of which only builds a description of a tensor or a map. Nothing from
 * the file is ever loaded, looked up by reflection or executed. Any other global ({@code os.system},
 * {@code builtins.eval}) and opcodes that import by themselves ({@code INST}, {@code OBJ}, {@code EXT*}) give an
 * {@link UnsafePickleException} naming them. Training checkpoints often carry harmless objects next to the
 * weights (a Lightning {@code ModelCheckpoint} under {@code callbacks}, numpy scalars): with
 * {@link Options#lenient()} unknown globals become inert placeholders (never called, their arguments dropped) so
 * that the tensors still load; {@link #placeholders()} lists them. Unknown opcodes are refused in both modes.
 *
 * <p><b>Names.</b> Nested dicts, lists and tuples are flattened with {@code "."}, as PyTorch names parameters:
 * {@code {"state_dict": {"model.w": t}, "global_step": 7}} gives the tensor {@code state_dict.model.w} and the
 * value {@code global_step = 7}. {@link #all()} has every tensor; {@link #stateDict()} has those under
 * {@code state_dict} with that prefix removed (the Lightning/CompVis layout), or all of them for a file that is
 * itself a state dict. Tensors are contiguous copies (views and shared storages are resolved), persistent, and
 * without grad; a tensor reached under two names is one {@code Tensor}. {@link TorchArchive} reads the same files
 * one tensor at a time, for checkpoints that should not be in memory whole.
 *
 * <pre>{@code
 * StateDict sd = TorchCheckpoint.readStateDict(Path.of("sd-v1-4.ckpt"), TorchCheckpoint.Options.lenient());
 * Tensor w = sd.get("model.diffusion_model.out.2.weight");              // [4, 320, 3, 3]
 * String step = sd.metadata().get("global_step");                        // "470000"
 * TorchCheckpoint ckpt = TorchCheckpoint.load(Path.of("vae.pt"));         // strict: refuses any other global
 * }</pre>
 */
public final class TorchCheckpoint {
    /**
     * How a checkpoint is read. {@code placeholdUnknownGlobals}: globals outside the allow-list become inert
     * placeholders instead of errors ({@link #lenient()}); the default, {@link #strict()}, refuses them.
     */
    public record Options(boolean placeholdUnknownGlobals) {
        /** The default: any global outside the allow-list is an {@link UnsafePickleException}. */
        public static Options strict() {
            return new Options(false);
        }

        /** Unknown globals become placeholders that are never called, so the tensors load; unknown opcodes do not. */
        public static Options lenient() {
            return new Options(true);
        }
    }

    /**
     * A checkpoint archive that is malformed: not a zip, no {@code data.pkl}, a truncated or inconsistent pickle, a
     * missing or too short storage. The message names the file and, where one is at fault, the tensor:
     * {@code x.ckpt: tensor 'state_dict.w': size [3, 4], stride [4, 1] and storage_offset 2 reach element 13 ...}.
     */
    public static final class FormatException extends IOException {
        private static final long serialVersionUID = 1L;

        private final transient Path file;
        private final String tensor;

        public FormatException(Path file, String tensor, String detail) {
            this(file, tensor, detail, null);
        }

        public FormatException(Path file, String tensor, String detail, Throwable cause) {
            super(file + ": " + (tensor == null ? "" : "tensor '" + tensor + "': ") + detail, cause);
            this.file = file;
            this.tensor = tensor;
        }

        /** The malformed file. */
        public Path file() {
            return file;
        }

        /** The dotted name of the tensor at fault, or null when the error concerns the whole file. */
        public String tensor() {
            return tensor;
        }
    }

    private static final String STATE_DICT = "state_dict";
    private static final int MAX_DEPTH = 1000;

    private final Path file;
    private final StateDict all;
    private final StateDict stateDict;
    private final Map<String, Object> values;
    private final List<String> placeholders;

    private TorchCheckpoint(Path file, StateDict all, StateDict stateDict, Map<String, Object> values,
            List<String> placeholders) {
        this.file = file;
        this.all = all;
        this.stateDict = stateDict;
        this.values = values;
        this.placeholders = placeholders;
    }

    /** Reads every tensor of {@code file} in strict mode (see {@link #all()}). */
    public static StateDict read(Path file) throws IOException {
        return load(file, Options.strict()).all();
    }

    /** Reads every tensor of {@code file} (see {@link #all()}). */
    public static StateDict read(Path file, Options options) throws IOException {
        return load(file, options).all();
    }

    /** Reads the {@code state_dict} of {@code file} in strict mode (see {@link #stateDict()}). */
    public static StateDict readStateDict(Path file) throws IOException {
        return load(file, Options.strict()).stateDict();
    }

    /** Reads the {@code state_dict} of {@code file} (see {@link #stateDict()}). */
    public static StateDict readStateDict(Path file, Options options) throws IOException {
        return load(file, options).stateDict();
    }

    /** Reads {@code file} in strict mode. */
    public static TorchCheckpoint load(Path file) throws IOException {
        return load(file, Options.strict());
    }

    /**
     * Reads {@code file}: an {@link UnsafePickleException} for a refused global or opcode, a
     * {@link FormatException} for a malformed archive. All tensors are loaded into memory.
     */
    public static TorchCheckpoint load(Path file, Options options) throws IOException {
        Objects.requireNonNull(options, "options");
        checkZipMagic(file);
        try (ZipFile zip = open(file)) {
            String top = topFolder(file, zip);
            Unpickled u = unpickle(file, zip, top, options);
            Object root = u.root();
            Flattener f = u.flat();
            Map<TensorRef, Tensor> loaded = TorchStorage.load(file, zip, top, f.tensors);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            f.tensors.forEach((name, ref) -> tensors.put(name, loaded.get(ref)));

            Map<String, String> metadata = new LinkedHashMap<>();
            f.values.forEach((k, v) -> metadata.put(k, String.valueOf(v)));
            StateDict all = new StateDict(tensors, metadata);
            Map<String, String> topLevel = new LinkedHashMap<>();
            if (root instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (isPlain(e.getValue())) {
                        topLevel.put(keyName(e.getKey()), String.valueOf(e.getValue()));
                    }
                }
            }
            StateDict sd = all.stripPrefix(stateDictPrefix(root)).withMetadata(topLevel);
            return new TorchCheckpoint(file, all, sd, Collections.unmodifiableMap(f.values), u.placeholders());
        }
    }

    /** The unpickled object, its tensors and values under dotted names, and the placeholders lenient mode made. */
    record Unpickled(Object root, Flattener flat, List<String> placeholders) {
    }

    /** Checks the byte order, interprets {@code <top>/data.pkl} (the allow-list applies) and flattens it. */
    static Unpickled unpickle(Path file, ZipFile zip, String top, Options options) throws IOException {
        checkByteOrder(file, zip, top);
        String pklName = top + "data.pkl";
        byte[] pkl = TorchStorage.readEntry(file, zip, zip.getEntry(pklName), null);
        TorchUnpickler resolver = new TorchUnpickler(file, pklName, options.placeholdUnknownGlobals());
        Object root = PickleReader.read(file, pklName, pkl, resolver);
        Flattener f = new Flattener(file, 4L * pkl.length + 1000);
        f.walk(root, "", 0);
        return new Unpickled(root, f, resolver.placeholders());
    }

    /** {@code "state_dict."} when the saved object nests the weights there (the Lightning/CompVis layout), else "". */
    static String stateDictPrefix(Object root) {
        return root instanceof Map<?, ?> m && m.get(STATE_DICT) instanceof Map<?, ?> ? STATE_DICT + "." : "";
    }

    /** The file that was read. */
    public Path file() {
        return file;
    }

    /** Every tensor under its dotted path; the metadata holds every plain value (see {@link #values()}) as text. */
    public StateDict all() {
        return all;
    }

    /**
     * The tensors under the top-level {@code state_dict} key with {@code "state_dict."} removed, or, when there is
     * no such dict (a file saved as {@code torch.save(model.state_dict())}), every tensor. The metadata holds the
     * plain top-level values as text ({@code global_step}, {@code epoch}).
     */
    public StateDict stateDict() {
        return stateDict;
    }

    /**
     * The plain values (str as {@code String}, int as {@code Long} or {@code BigInteger}, float as {@code Double},
     * bool as {@code Boolean}) by dotted path, in file order: {@code values().get("global_step")} is {@code 7L}.
     */
    public Map<String, Object> values() {
        return values;
    }

    /** The unknown globals that lenient mode kept as placeholders ({@code module.name}); empty in strict mode. */
    public List<String> placeholders() {
        return placeholders;
    }

    @Override
    public String toString() {
        return "TorchCheckpoint[" + file + ", " + all.size() + " tensors, " + values.size() + " values"
                + (placeholders.isEmpty() ? "" : ", placeholders " + placeholders) + "]";
    }

    // ---------------------------------------------------------------- the archive

    static void checkZipMagic(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(4);
        }
        if (head.length == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return;
        }
        String hint = head.length > 0 && (head[0] & 0xFF) == 0x80
                ? "it starts like a raw pickle: the legacy torch.save format (before PyTorch 1.6) is not supported; "
                        + "re-save it with a recent PyTorch or convert it to safetensors"
                : "a torch.save file is a zip archive starting with the bytes PK\\3\\4";
        throw new FormatException(file, null, "not a zip archive (" + head.length + " bytes read): " + hint);
    }

    static ZipFile open(Path file) throws IOException {
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new FormatException(file, null, "not a readable zip archive: " + e.getMessage(), e);
        }
    }

    /** The folder {@code <top>/} that holds {@code data.pkl}. */
    static String topFolder(Path file, ZipFile zip) throws IOException {
        List<String> tops = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            String name = en.nextElement().getName();
            if (seen.size() < 5) {
                seen.add(name);
            }
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                tops.add(name.substring(0, slash + 1));
            }
        }
        if (tops.size() != 1) {
            throw new FormatException(file, null, "expected one <folder>/data.pkl entry (a torch.save archive), found "
                    + (tops.isEmpty() ? "none among " + seen + (zip.size() > 5 ? " ..." : "") : tops));
        }
        return tops.get(0);
    }

    /** PyTorch 2.1+ records the byte order of the storages; only little-endian data is read. */
    private static void checkByteOrder(Path file, ZipFile zip, String top) throws IOException {
        ZipEntry e = zip.getEntry(top + "byteorder");
        if (e != null) {
            String order = new String(TorchStorage.readEntry(file, zip, e, null), StandardCharsets.UTF_8).trim();
            if (!order.equals("little")) {
                throw new FormatException(file, null, top + "byteorder says '" + order + "': only little-endian "
                        + "storages are supported");
            }
        }
    }

    // ---------------------------------------------------------------- flattening

    /** Walks the unpickled object, collecting tensors and plain values under dotted paths. */
    static final class Flattener {
        final Path file;
        final Map<String, TensorRef> tensors = new LinkedHashMap<>();
        final Map<String, Object> values = new LinkedHashMap<>();
        long budget;     // nodes left to visit: bounds shared and cyclic structures

        Flattener(Path file, long budget) {
            this.file = file;
            this.budget = budget;
        }

        void walk(Object v, String path, int depth) throws IOException {
            if (--budget < 0 || depth > MAX_DEPTH) {
                throw new FormatException(file, null, "the pickled object is nested deeper than " + MAX_DEPTH
                        + " levels, cyclic or shared too often (at '" + path + "')");
            }
            if (v instanceof TensorRef t) {
                if (tensors.putIfAbsent(path, t) != null) {
                    throw new FormatException(file, path, "two tensors have this dotted name");
                }
            } else if (isPlain(v)) {
                values.putIfAbsent(path, v);
            } else if (v instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    walk(e.getValue(), join(path, keyName(e.getKey())), depth + 1);
                }
            } else if (v instanceof List<?> || v instanceof Tuple) {
                List<?> items = v instanceof Tuple t ? t.items() : (List<?>) v;
                for (int i = 0; i < items.size(); i++) {
                    walk(items.get(i), join(path, Integer.toString(i)), depth + 1);
                }
            } else if (v instanceof Placeholder p) {
                // lenient mode: an object that was never built; tensors in its items or dict state are still kept
                walk(p.items, path, depth + 1);
                walk(p.appended, path, depth + 1);
                if (p.state instanceof Map<?, ?>) {
                    walk(p.state, path, depth + 1);
                }
            }
            // None, bytes, sets, bare storages and globals carry no named tensor
        }

        private static String join(String path, String key) {
            return path.isEmpty() ? key : path + "." + key;
        }
    }

    private static boolean isPlain(Object v) {
        return v instanceof String || v instanceof Long || v instanceof BigInteger || v instanceof Double
                || v instanceof Boolean;
    }

    /** A dict key as a path component: strings as they are, numbers in decimal, globals as module.name. */
    private static String keyName(Object key) {
        if (key instanceof Boolean b) {
            return b ? "True" : "False";
        }
        return key == null ? "None" : String.valueOf(key);
    }
}
