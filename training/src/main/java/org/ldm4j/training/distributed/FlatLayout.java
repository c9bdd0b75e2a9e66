package org.ldm4j.training.distributed;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * Named float32 tensors laid end to end in one {@code float[]} (in a fixed order), and that vector cut into
 * {@code n} contiguous pieces: how weights, gradients and optimizer state travel between a driver and its
 * replicas, and how the sharded reduction splits them.
 */
public final class FlatLayout implements Serializable {
    private static final long serialVersionUID = 1L;

    private final List<String> names;
    private final List<long[]> shapes;
    private final long[] offsets;
    private final int size;

    private FlatLayout(List<String> names, List<long[]> shapes) {
        this.names = List.copyOf(names);
        this.shapes = List.copyOf(shapes);
        this.offsets = new long[names.size() + 1];
        for (int i = 0; i < names.size(); i++) {
            offsets[i + 1] = offsets[i] + Shapes.numel(shapes.get(i));
        }
        if (offsets[names.size()] > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("params: expected at most 2^31 - 17 float32 values in one group, got "
                    + offsets[names.size()]);
        }
        this.size = (int) offsets[names.size()];
    }

    /** The layout of {@code params} in their iteration order; every tensor must be float32. */
    public static FlatLayout of(Map<String, Tensor> params) {
        List<String> names = new ArrayList<>();
        List<long[]> shapes = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            if (e.getValue().dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException("params: expected float32 parameters to train, got '" + e.getKey()
                        + "' in " + e.getValue().dtype());
            }
            names.add(e.getKey());
            shapes.add(e.getValue().shape().clone());
        }
        return new FlatLayout(names, shapes);
    }

    /** The parameter names, in order. */
    public List<String> names() {
        return Collections.unmodifiableList(names);
    }

    /** Total values. */
    public int size() {
        return size;
    }

    /** Where parameter {@code i} starts. */
    public int offset(int i) {
        return (int) offsets[i];
    }

    /** The shape of parameter {@code i}. */
    public long[] shape(int i) {
        return shapes.get(i).clone();
    }

    /** Start of piece {@code p} of {@code n} (pieces are contiguous, sizes differ by at most one). */
    public int pieceStart(int p, int n) {
        return pieceStart(size, p, n);
    }

    /** Start of piece {@code p} of {@code n} of a vector of {@code size} values (as {@link #pieceStart(int, int)}). */
    public static int pieceStart(int size, int p, int n) {
        return (int) ((long) size * p / n);
    }

    /** Checks that {@code params} has this layout's names, shapes and order. */
    public void check(String what, Map<String, Tensor> params) {
        if (params.size() != names.size()) {
            throw new IllegalArgumentException(what + ": expected " + names.size() + " parameters, got "
                    + params.size());
        }
        int i = 0;
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            if (!e.getKey().equals(names.get(i)) || !Shapes.equal(e.getValue().shape(), shapes.get(i))) {
                throw new IllegalArgumentException(what + ": expected parameter " + i + " to be '" + names.get(i)
                        + "' " + Shapes.str(shapes.get(i)) + ", got '" + e.getKey() + "' "
                        + Shapes.str(e.getValue().shape()));
            }
            i++;
        }
    }

    /** The values of {@code params} end to end. */
    public float[] values(Map<String, Tensor> params) {
        float[] out = new float[size];
        int i = 0;
        for (Tensor t : params.values()) {
            float[] v = t.detach().toFloatArray();
            System.arraycopy(v, 0, out, offset(i), v.length);
            i++;
        }
        return out;
    }

    /** The gradients of {@code params} end to end (zeros where a parameter has none). */
    public float[] grads(Map<String, Tensor> params) {
        float[] out = new float[size];
        int i = 0;
        for (Tensor t : params.values()) {
            Tensor g = t.grad();
            if (g != null) {
                float[] v = g.toFloatArray();
                System.arraycopy(v, 0, out, offset(i), v.length);
            }
            i++;
        }
        return out;
    }

    /** Writes {@code flat} into the values of {@code params}, in place. */
    @SuppressWarnings("try")
    public void assignValues(Map<String, Tensor> params, float[] flat) {
        checkLength("flat", flat);
        int i = 0;
        try (GradMode.Scope g = GradMode.disabled()) {
            for (Tensor t : params.values()) {
                try (MemoryScope s = MemoryScope.open()) {
                    t.assign(slice(flat, i));
                }
                i++;
            }
        }
    }

    /** Makes {@code flat} the gradients of {@code params} (replacing any). */
    public void assignGrads(Map<String, Tensor> params, float[] flat) {
        checkLength("flat", flat);
        int i = 0;
        for (Tensor t : params.values()) {
            t.setGrad(slice(flat, i));
            i++;
        }
    }

    /** The tensors of {@code flat}, by name (new float32 tensors). */
    public Map<String, Tensor> tensors(float[] flat) {
        checkLength("flat", flat);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            out.put(names.get(i), slice(flat, i));
        }
        return out;
    }

    /** Flattens tensors named as this layout's parameters with {@code suffix} appended, from {@code source}. */
    public float[] gather(Map<String, Tensor> source, String prefix, String suffix) {
        float[] out = new float[size];
        for (int i = 0; i < names.size(); i++) {
            String key = prefix + names.get(i) + suffix;
            Tensor t = source.get(key);
            if (t == null || !Shapes.equal(t.shape(), shapes.get(i))) {
                throw new IllegalArgumentException("state: expected '" + key + "' " + Shapes.str(shapes.get(i))
                        + ", got " + (t == null ? "none" : Shapes.str(t.shape())));
            }
            float[] v = t.to(DType.FLOAT32).toFloatArray();
            System.arraycopy(v, 0, out, offset(i), v.length);
        }
        return out;
    }

    private Tensor slice(float[] flat, int i) {
        int n = (int) (offsets[i + 1] - offsets[i]);
        float[] v = new float[n];
        System.arraycopy(flat, offset(i), v, 0, n);
        return Tensor.of(v, shapes.get(i));
    }

    private void checkLength(String what, float[] flat) {
        if (flat == null || flat.length != size) {
            throw new IllegalArgumentException(what + ": expected " + size + " values, got "
                    + (flat == null ? "null" : flat.length));
        }
    }
}
