package org.ldm4j.core.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ldm4j.core.io.PickleReader.Tuple;
import org.ldm4j.core.tensor.DType;

/**
 * The allow-list of a {@code torch.save} pickle: the globals it may name and what they mean here. Nothing is
 * looked up by reflection and nothing from the file is called: each allowed global is a constant of this class,
 * and "calling" it builds a plain description ({@link TensorRef}, a {@code LinkedHashMap}) that
 * {@link TorchCheckpoint} turns into tensors afterwards.
 *
 * <p>Allowed: {@code collections.OrderedDict}; {@code torch._utils._rebuild_tensor_v2},
 * {@code _rebuild_parameter} and {@code _rebuild_parameter_with_state}; the storage classes
 * {@code torch.FloatStorage}, {@code HalfStorage}, {@code BFloat16Storage}, {@code DoubleStorage},
 * {@code LongStorage}, {@code IntStorage}, {@code ShortStorage}, {@code CharStorage}, {@code ByteStorage},
 * {@code BoolStorage} and {@code torch.UntypedStorage}, which only appear inside persistent ids. Any other global is
 * refused, or in lenient mode becomes an inert {@link PlaceholderGlobal} whose "calls" give {@link Placeholder}s.
 *
 * <pre>{@code
 * TorchUnpickler u = new TorchUnpickler(file, "archive/data.pkl", false);
 * Object root = PickleReader.read(file, "archive/data.pkl", bytes, u);
 * }</pre>
 */
final class TorchUnpickler implements PickleReader.Resolver {

    /** The storage classes: element size, torch dtype name, and the ldm4j dtype (null where there is none). */
    enum StorageType {
        FLOAT("FloatStorage", "float32", 4, DType.FLOAT32),
        HALF("HalfStorage", "float16", 2, DType.FLOAT16),
        BFLOAT16("BFloat16Storage", "bfloat16", 2, DType.BFLOAT16),
        DOUBLE("DoubleStorage", "float64", 8, DType.FLOAT64),
        LONG("LongStorage", "int64", 8, DType.INT64),
        INT("IntStorage", "int32", 4, DType.INT32),
        SHORT("ShortStorage", "int16", 2, null),
        CHAR("CharStorage", "int8", 1, null),
        BYTE("ByteStorage", "uint8", 1, DType.UINT8),
        BOOL("BoolStorage", "bool", 1, DType.BOOL),
        UNTYPED("UntypedStorage", "uint8", 1, DType.UINT8);

        final String className;
        final String torchDtype;
        final int bytes;
        final DType dtype;

        StorageType(String className, String torchDtype, int bytes, DType dtype) {
            this.className = className;
            this.torchDtype = torchDtype;
            this.bytes = bytes;
            this.dtype = dtype;
        }
    }

    /** A persistent id {@code ('storage', type, key, location, numel)}: the zip entry {@code data/<key>}. */
    record StorageRef(String key, StorageType type, long numel, String location) {
    }

    /**
     * A {@code _rebuild_tensor_v2} call: a strided view of a storage, in elements. Compared by identity, so a
     * tensor reached twice through the memo becomes one {@code Tensor}.
     */
    static final class TensorRef {
        final StorageRef storage;
        final long offset;
        final long[] size;
        final long[] stride;

        TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
            this.storage = storage;
            this.offset = offset;
            this.size = size;
            this.stride = stride;
        }
    }

    /** An unknown global in lenient mode: a name, never imported. */
    record PlaceholderGlobal(String qualifiedName) {
        @Override
        public String toString() {
            return qualifiedName;
        }
    }

    /** What "calling" or "instantiating" a placeholder gives: an inert record of the items and state it got. */
    static final class Placeholder implements PickleReader.Container {
        final String global;
        final Map<Object, Object> items = new LinkedHashMap<>();
        final List<Object> appended = new ArrayList<>();
        Object state;

        Placeholder(String global) {
            this.global = global;
        }

        @Override
        public void setItem(Object key, Object value) {
            items.put(key, value);
        }

        @Override
        public void append(Object value) {
            appended.add(value);
        }

        @Override
        public String toString() {
            return "<" + global + " placeholder>";
        }
    }

    private enum Builder {
        ORDERED_DICT("collections.OrderedDict"),
        REBUILD_TENSOR_V2("torch._utils._rebuild_tensor_v2"),
        REBUILD_PARAMETER("torch._utils._rebuild_parameter"),
        REBUILD_PARAMETER_WITH_STATE("torch._utils._rebuild_parameter_with_state");

        final String qualifiedName;

        Builder(String qualifiedName) {
            this.qualifiedName = qualifiedName;
        }
    }

    /** {@code module.name} to its meaning: a {@link Builder} or a {@link StorageType}. */
    private static final Map<String, Object> ALLOWED = allowed();

    private final Path file;
    private final String entry;
    private final boolean lenient;
    private final Set<String> placeholders = new LinkedHashSet<>();

    TorchUnpickler(Path file, String entry, boolean lenient) {
        this.file = file;
        this.entry = entry;
        this.lenient = lenient;
    }

    private static Map<String, Object> allowed() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Builder b : Builder.values()) {
            m.put(b.qualifiedName, b);
        }
        for (StorageType t : StorageType.values()) {
            m.put("torch." + t.className, t);
        }
        m.put("torch.storage.UntypedStorage", StorageType.UNTYPED);
        return Collections.unmodifiableMap(m);
    }

    /** The unknown globals that lenient mode replaced, as {@code module.name}, in order of first appearance. */
    List<String> placeholders() {
        return List.copyOf(placeholders);
    }

    @Override
    public Object global(String module, String name, int at) throws IOException {
        String qualified = module + "." + name;
        Object meaning = ALLOWED.get(qualified);
        if (meaning != null) {
            return meaning;
        }
        if (lenient) {
            placeholders.add(qualified);
            return new PlaceholderGlobal(qualified);
        }
        throw new UnsafePickleException(file, qualified, -1, PickleReader.where(entry, at) + ": refused global "
                + qualified + ": only the allow-list (collections.OrderedDict, torch._utils._rebuild_tensor_v2, "
                + "torch._utils._rebuild_parameter, torch.*Storage) is accepted, and nothing named in the file is "
                + "ever imported or called. If you trust this checkpoint and " + qualified + " is training state "
                + "next to the weights (callbacks, numpy scalars), TorchCheckpoint.Options.lenient() keeps unknown "
                + "globals as inert placeholders and loads the tensors");
    }

    @Override
    public Object reduce(Object callable, Tuple args, int at) throws IOException {
        if (callable instanceof PlaceholderGlobal g) {
            return new Placeholder(g.qualifiedName());      // never called: the arguments are dropped
        }
        if (callable instanceof Placeholder p) {
            return new Placeholder(p.global);
        }
        if (!(callable instanceof Builder b)) {
            throw error(at, "REDUCE calls a " + describe(callable) + ", which is not callable here");
        }
        return switch (b) {
            case ORDERED_DICT -> orderedDict(args, at);
            case REBUILD_TENSOR_V2 -> rebuildTensor(args, at);
            case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> {
                int n = b == Builder.REBUILD_PARAMETER ? 3 : 4;
                if (args.size() != n || !(args.get(0) instanceof TensorRef t)) {
                    throw error(at, b.qualifiedName + " expects (tensor, requires_grad, "
                            + "backward_hooks" + (n == 4 ? ", state" : "") + "), got " + args);
                }
                yield t;                                       // a Parameter is its data; requires_grad is not kept
            }
        };
    }

    @Override
    public Object newObject(Object cls, Tuple args, Map<Object, Object> kwargs, int at) throws IOException {
        if (cls instanceof PlaceholderGlobal g) {
            return new Placeholder(g.qualifiedName());
        }
        if (cls == Builder.ORDERED_DICT && (kwargs == null || kwargs.isEmpty())) {
            return orderedDict(args, at);
        }
        throw error(at, "NEWOBJ of a " + describe(cls) + " is not supported");
    }

    @Override
    public void build(Object target, Object state, int at) throws IOException {
        if (target instanceof Placeholder p) {
            p.state = state;
        } else if (target instanceof LinkedHashMap<?, ?> && (state == null || state instanceof Map<?, ?>)) {
            // an OrderedDict's instance attributes, e.g. a state_dict's _metadata (module versions): not needed
        } else {
            throw error(at, "BUILD on a " + describe(target) + " with a " + describe(state) + " is not supported");
        }
    }

    @Override
    public Object persistentLoad(Object pid, int at) throws IOException {
        if (pid instanceof Tuple t && t.size() == 5 && "storage".equals(t.get(0)) && t.get(2) instanceof String key
                && t.get(3) instanceof String location && t.get(4) instanceof Long numel && numel >= 0) {
            if (t.get(1) instanceof StorageType type) {
                return new StorageRef(key, type, numel, location);
            }
            throw error(at, "storage '" + key + "' has the unknown storage type " + describe(t.get(1)));
        }
        throw error(at, "persistent id " + PickleText.repr(pid) + ": expected ('storage', <storage class>, key, "
                + "location, numel)");
    }

    // ---------------------------------------------------------------- the allowed calls

    private Map<Object, Object> orderedDict(Tuple args, int at) throws IOException {
        Map<Object, Object> m = new LinkedHashMap<>();
        if (args.size() == 0) {
            return m;
        }
        if (args.size() == 1 && args.get(0) instanceof List<?> pairs) {   // OrderedDict([(k, v), ...])
            for (Object p : pairs) {
                if (!(p instanceof Tuple kv) || kv.size() != 2) {
                    throw error(at, "collections.OrderedDict expects (key, value) pairs, got " + describe(p));
                }
                if (!PickleReader.isHashable(kv.get(0), 0)) {
                    throw error(at, "collections.OrderedDict with an unhashable key " + PickleText.repr(kv.get(0)));
                }
                m.put(kv.get(0), kv.get(1));
            }
            return m;
        }
        throw error(at, "collections.OrderedDict expects () or ([(key, value), ...]), got " + args);
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private TensorRef rebuildTensor(Tuple args, int at) throws IOException {
        String expected = "torch._utils._rebuild_tensor_v2 expects (storage, storage_offset, size, stride, "
                + "requires_grad, backward_hooks[, metadata])";
        if (args.size() != 6 && args.size() != 7) {
            throw error(at, expected + ", got " + args.size() + " arguments");
        }
        if (!(args.get(0) instanceof StorageRef storage)) {
            throw error(at, expected + ", got a " + describe(args.get(0)) + " as the storage");
        }
        if (!(args.get(1) instanceof Long offset) || offset < 0) {
            throw error(at, expected + ", got storage_offset " + PickleText.repr(args.get(1)));
        }
        long[] size = longs(args.get(2), "size", expected, at);
        long[] stride = longs(args.get(3), "stride", expected, at);
        if (size.length != stride.length) {
            throw error(at, "size " + Arrays.toString(size) + " and stride " + Arrays.toString(stride)
                    + " differ in rank");
        }
        Object hooks = args.get(5);
        if (hooks != null && !(hooks instanceof Map<?, ?> h && h.isEmpty())) {
            throw error(at, "tensor with backward hooks " + PickleText.repr(hooks) + ": hooks are code and are not "
                    + "loaded");
        }
        return new TensorRef(storage, offset, size, stride);
    }

    private long[] longs(Object v, String what, String expected, int at) throws IOException {
        if (v instanceof Tuple t) {
            long[] out = new long[t.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(t.get(i) instanceof Long x) || x < 0) {
                    throw error(at, expected + ", got " + what + " " + t);
                }
                out[i] = x;
            }
            return out;
        }
        throw error(at, expected + ", got a " + describe(v) + " as the " + what);
    }

    private static String describe(Object v) {
        if (v instanceof StorageType t) {
            return "storage class torch." + t.className;
        }
        if (v instanceof Builder b) {
            return "global " + b.qualifiedName;
        }
        if (v instanceof PlaceholderGlobal g) {
            return "global " + g.qualifiedName();
        }
        if (v instanceof Placeholder p) {
            return p.toString();
        }
        if (v instanceof TensorRef) {
            return "tensor";
        }
        if (v instanceof StorageRef s) {
            return "storage '" + s.key() + "'";
        }
        return PickleText.typeName(v);
    }

    private TorchCheckpoint.FormatException error(int at, String detail) {
        return new TorchCheckpoint.FormatException(file, null, PickleReader.where(entry, at) + ": " + detail);
    }
}
