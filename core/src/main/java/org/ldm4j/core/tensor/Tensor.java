package org.ldm4j.core.tensor;

import java.util.List;
import org.ldm4j.core.autograd.Activations;
import org.ldm4j.core.autograd.Arithmetic;
import org.ldm4j.core.autograd.Autograd;
import org.ldm4j.core.autograd.LinearAlgebra;
import org.ldm4j.core.autograd.Node;
import org.ldm4j.core.autograd.Reductions;
import org.ldm4j.core.autograd.ShapeOps;
import org.ldm4j.core.backend.Backend;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An n-dimensional array and, when gradients are on, its place in the autograd graph.
 *
 * <p>Ops return new tensors and never modify their inputs. A tensor that requires grad records the op that
 * made it; {@link #backward()} computes the gradient of a one-element tensor with respect to every leaf that
 * requires grad, accumulating into {@link #grad()}.
 *
 * <pre>{@code
 * Tensor w = rng.normal(3, 4).requiresGrad(true);
 * Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3);
 * Tensor loss = x.matmul(w).silu().square().mean();
 * loss.backward();
 * Tensor dw = w.grad();                       // [3, 4]
 * }</pre>
 *
 * <p>Methods that take or return an ND4J {@code INDArray} are backend-internal: only {@code core} calls them.
 */
public final class Tensor {
    static {
        Backend.init();
    }

    private INDArray data;
    private boolean view;    // shares memory with another tensor: never freed through this one
    private final long[] shape;
    private Node node;
    private boolean requiresGrad;
    private boolean retainGrad;
    private INDArray grad;      // persistent buffer, reused across steps
    private boolean hasGrad;
    private Tensor gradView;

    private Tensor(INDArray data, Node node, boolean requiresGrad, boolean view) {
        this.data = data;
        this.view = view;
        this.shape = data.shape().clone();
        this.node = node;
        this.requiresGrad = requiresGrad;
    }

    // ---------------------------------------------------------------- backend-internal construction

    /**
     * Backend-internal: a tensor over a freshly allocated array that it owns, registered with the current
     * {@link MemoryScope}.
     */
    public static Tensor wrap(INDArray data) {
        if (data.isView()) {
            throw new IllegalStateException("wrap: a view does not own its memory (use NdArrays.owned for a reshaped "
                    + "fresh array, or viewFromOp for a view of an input)");
        }
        MemoryScope.track(data);
        return new Tensor(data, null, false, false);
    }

    /** Backend-internal: a tensor over an array that no scope will free (parameters, optimizer state). */
    public static Tensor wrapPersistent(INDArray data) {
        return new Tensor(data, null, false, false);
    }

    /** Backend-internal: an op's freshly allocated output, recording {@code node} (null when no gradient). */
    public static Tensor fromOp(INDArray data, Node node) {
        if (data.isView()) {
            throw new IllegalStateException("fromOp: an op's fresh output must own its memory (use NdArrays.owned)");
        }
        MemoryScope.track(data);
        return new Tensor(data, node, node != null, false);
    }

    /**
     * Backend-internal: an op's output that shares memory with one of its inputs (reshape, permute, slice),
     * recording {@code node} (null when no gradient). Scopes never free it: its memory belongs to the input.
     */
    public static Tensor viewFromOp(INDArray data, Node node) {
        return new Tensor(data, node, node != null, true);
    }

    /** Whether this tensor shares memory with another one (a reshape, permute, slice or detach of it). */
    public boolean isView() {
        return view;
    }

    /** Backend-internal: the array, checked to be alive. */
    public INDArray array() {
        if (data.wasClosed()) {
            throw new IllegalStateException("tensor " + Shapes.str(shape) + " was released: the MemoryScope it was "
                    + "created in has closed (keep it with scope.keep(t)), or its memory was freed explicitly");
        }
        return data;
    }

    void replaceArray(INDArray a) {
        data = a;
        view = false;
    }

    // ---------------------------------------------------------------- factories

    public static Tensor zeros(long... shape) {
        return zeros(DType.FLOAT32, shape);
    }

    public static Tensor zeros(DType dtype, long... shape) {
        return wrap(Nd4j.zeros(dtype.nd4j(), shape));
    }

    public static Tensor ones(long... shape) {
        return ones(DType.FLOAT32, shape);
    }

    public static Tensor ones(DType dtype, long... shape) {
        return wrap(Nd4j.ones(dtype.nd4j(), shape));
    }

    public static Tensor full(DType dtype, double value, long... shape) {
        return wrap(Nd4j.valueArrayOf(shape, value, dtype.nd4j()));
    }

    /** A rank-0 float32 tensor. */
    public static Tensor scalar(double value) {
        return scalar(DType.FLOAT32, value);
    }

    public static Tensor scalar(DType dtype, double value) {
        return wrap(Nd4j.scalar(dtype.nd4j(), value));
    }

    /** A float32 tensor over a copy of {@code values}, row-major. */
    public static Tensor of(float[] values, long... shape) {
        checkLength(values.length, shape);
        return wrap(Nd4j.create(values, shape, 'c'));
    }

    /** A float64 tensor over a copy of {@code values}, row-major. */
    public static Tensor of(double[] values, long... shape) {
        checkLength(values.length, shape);
        return wrap(Nd4j.create(values, shape, 'c'));
    }

    /** An int64 tensor (indices, labels, timesteps) over a copy of {@code values}, row-major. */
    public static Tensor of(long[] values, long... shape) {
        checkLength(values.length, shape);
        return wrap(NdArrays.owned(Nd4j.createFromArray(values), shape));
    }

    /** An int32 tensor over a copy of {@code values}, row-major. */
    public static Tensor of(int[] values, long... shape) {
        checkLength(values.length, shape);
        return wrap(NdArrays.owned(Nd4j.createFromArray(values), shape));
    }

    private static void checkLength(int n, long[] shape) {
        if (Shapes.numel(shape) != n) {
            throw new IllegalArgumentException("values: expected " + Shapes.numel(shape) + " values for shape "
                    + Shapes.str(shape) + ", got " + n);
        }
    }

    public Tensor zerosLike() {
        return zeros(dtype(), shape);
    }

    public Tensor onesLike() {
        return ones(dtype(), shape);
    }

    // ---------------------------------------------------------------- metadata and values

    public long[] shape() {
        return shape.clone();
    }

    /** Size of one dimension (negative counts from the end). */
    public long size(int dim) {
        return shape[Shapes.axis("dim", dim, shape.length)];
    }

    public int rank() {
        return shape.length;
    }

    public long numel() {
        return Shapes.numel(shape);
    }

    public DType dtype() {
        return DType.of(data.dataType());
    }

    public float[] toFloatArray() {
        INDArray a = array();
        if (a.isEmpty()) {
            return new float[0];
        }
        INDArray c = NdArrays.isDense(a) ? a : a.dup('c');
        try {
            return c.data().asFloat();
        } finally {
            NdArrays.freeIfCopy(c, a);
        }
    }

    public double[] toDoubleArray() {
        INDArray a = array();
        if (a.isEmpty()) {
            return new double[0];
        }
        INDArray c = NdArrays.isDense(a) ? a : a.dup('c');
        try {
            return c.data().asDouble();
        } finally {
            NdArrays.freeIfCopy(c, a);
        }
    }

    public long[] toLongArray() {
        INDArray a = array();
        if (a.isEmpty()) {
            return new long[0];
        }
        INDArray c = NdArrays.isDense(a) ? a : a.dup('c');
        try {
            return c.data().asLong();
        } finally {
            NdArrays.freeIfCopy(c, a);
        }
    }

    /** The value of a one-element tensor. */
    public double item() {
        if (numel() != 1) {
            throw new IllegalArgumentException("item: expected a one-element tensor, got " + Shapes.str(shape));
        }
        return array().getDouble(0L);
    }

    /** One element, by index. */
    public double get(long... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index: expected " + shape.length + " indices, got " + index.length);
        }
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index: " + index[i] + " out of [0, " + shape[i] + ") in dim " + i
                        + " of " + Shapes.str(shape));
            }
        }
        return array().getDouble(index);
    }

    /** The largest absolute elementwise difference to {@code other} (same shape), computed in double. */
    public double maxAbsDiff(Tensor other) {
        Shapes.checkShape("other", other, shape);
        INDArray a = array().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);     // castTo may return its receiver
        INDArray b = other.array().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        INDArray d = a.sub(b);
        try {
            return d.amaxNumber().doubleValue();
        } finally {
            NdArrays.free(d);
            NdArrays.freeIfCopy(a, array());
            NdArrays.freeIfCopy(b, other.array());
        }
    }

    /** Copies {@code src}'s values into this tensor (same shape; converted to this dtype). Records nothing. */
    public Tensor assign(Tensor src) {
        Shapes.checkShape("src", src, shape);
        INDArray s = src.array();
        if (s.dataType() == data.dataType()) {
            array().assign(s);
        } else {
            INDArray c = s.castTo(data.dataType());
            array().assign(c);
            NdArrays.free(c);
        }
        return this;
    }

    /** A copy with the same values in fresh memory, no graph. */
    public Tensor copy() {
        return wrap(array().dup('c'));
    }

    // ---------------------------------------------------------------- autograd

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf as requiring (or not) gradients; returns this. */
    public Tensor requiresGrad(boolean on) {
        if (node != null) {
            throw new IllegalStateException("requiresGrad: only leaves can be changed; use detach() on an op output");
        }
        if (on && !dtype().isFloating()) {
            throw new IllegalArgumentException("requiresGrad: only floating-point tensors can require grad, got "
                    + dtype());
        }
        requiresGrad = on;
        return this;
    }

    /** The op that produced this tensor, or null for a leaf (or when no gradient was recorded). */
    public Node node() {
        return node;
    }

    public boolean isLeaf() {
        return node == null;
    }

    /** The same values, cut from the graph. */
    public Tensor detach() {
        return new Tensor(array(), null, false, true);
    }

    /** Keeps this intermediate tensor's gradient in {@link #grad()} during backward. */
    public Tensor retainGrad() {
        retainGrad = true;
        return this;
    }

    /** The accumulated gradient, or null if none was computed since the last {@link #zeroGrad()}. */
    public Tensor grad() {
        if (!hasGrad) {
            return null;
        }
        if (gradView == null) {
            gradView = wrapPersistent(grad);
        }
        return gradView;
    }

    /** Forgets the gradient (its buffer is kept for reuse). */
    public void zeroGrad() {
        hasGrad = false;
    }

    /** Replaces the gradient (e.g. with an all-reduced one); null clears it. */
    public void setGrad(Tensor g) {
        if (g == null) {
            hasGrad = false;
            return;
        }
        Shapes.checkShape("grad", g, shape);
        hasGrad = false;
        accumulateGrad(g.array());
    }

    /** Backend-internal: adds {@code g} into this tensor's persistent gradient buffer. */
    public void accumulateGrad(INDArray g) {
        if (!hasGrad) {
            if (grad == null || grad.dataType() != data.dataType()) {
                grad = Nd4j.createUninitialized(data.dataType(), shape, 'c');
                gradView = null;
            }
            INDArray c = g.dataType() == grad.dataType() ? g : g.castTo(grad.dataType());
            grad.assign(c);
            NdArrays.freeIfCopy(c, g);
            hasGrad = true;
        } else {
            INDArray c = g.dataType() == grad.dataType() ? g : g.castTo(grad.dataType());
            grad.addi(c);
            NdArrays.freeIfCopy(c, g);
        }
    }

    /**
     * Backend-internal: takes {@code g} (a fresh array that nothing else references, of this tensor's shape and
     * dtype) as the gradient of a leaf that has none, instead of copying it; the old buffer is freed.
     */
    public void adoptGrad(INDArray g) {
        if (hasGrad) {
            throw new IllegalStateException("adoptGrad: the tensor already has a gradient; accumulate instead");
        }
        if (grad != null && grad != g) {
            NdArrays.free(grad);
        }
        grad = g;
        gradView = null;
        hasGrad = true;
    }

    /** Backend-internal: called by the backward pass with this intermediate tensor's gradient. */
    public void retainGradIfAsked(INDArray g) {
        if (retainGrad) {
            accumulateGrad(g);
        }
    }

    /** Backpropagates from this one-element tensor into every leaf that requires grad. */
    public void backward() {
        Autograd.backward(this, null, false);
    }

    /** Backpropagates {@code gradOutput} (this tensor's shape) into every leaf that requires grad. */
    public void backward(Tensor gradOutput) {
        Autograd.backward(this, gradOutput, false);
    }

    /** As {@link #backward(Tensor)}; with {@code retainGraph} the graph can be walked again. */
    public void backward(Tensor gradOutput, boolean retainGraph) {
        Autograd.backward(this, gradOutput, retainGraph);
    }

    // ---------------------------------------------------------------- arithmetic (broadcasting)

    public Tensor add(Tensor o) {
        return Arithmetic.add(this, o);
    }

    public Tensor sub(Tensor o) {
        return Arithmetic.sub(this, o);
    }

    public Tensor mul(Tensor o) {
        return Arithmetic.mul(this, o);
    }

    public Tensor div(Tensor o) {
        return Arithmetic.div(this, o);
    }

    public Tensor add(double s) {
        return Arithmetic.addScalar(this, s);
    }

    public Tensor sub(double s) {
        return Arithmetic.addScalar(this, -s);
    }

    public Tensor mul(double s) {
        return Arithmetic.mulScalar(this, s);
    }

    public Tensor div(double s) {
        return Arithmetic.mulScalar(this, 1.0 / s);
    }

    /** {@code s - this}. */
    public Tensor rsub(double s) {
        return Arithmetic.addScalar(Arithmetic.neg(this), s);
    }

    public Tensor neg() {
        return Arithmetic.neg(this);
    }

    public Tensor pow(double exponent) {
        return Arithmetic.pow(this, exponent);
    }

    public Tensor square() {
        return Arithmetic.pow(this, 2);
    }

    public Tensor exp() {
        return Arithmetic.exp(this);
    }

    public Tensor log() {
        return Arithmetic.log(this);
    }

    public Tensor sqrt() {
        return Arithmetic.sqrt(this);
    }

    public Tensor rsqrt() {
        return Arithmetic.rsqrt(this);
    }

    public Tensor abs() {
        return Arithmetic.abs(this);
    }

    public Tensor sin() {
        return Arithmetic.sin(this);
    }

    public Tensor cos() {
        return Arithmetic.cos(this);
    }

    public Tensor clamp(double min, double max) {
        return Arithmetic.clamp(this, min, max);
    }

    // ---------------------------------------------------------------- activations

    public Tensor sigmoid() {
        return Activations.sigmoid(this);
    }

    public Tensor tanh() {
        return Activations.tanh(this);
    }

    public Tensor silu() {
        return Activations.silu(this);
    }

    /** The exact GELU, {@code x * Phi(x)}, as the reference uses. */
    public Tensor gelu() {
        return Activations.gelu(this);
    }

    public Tensor relu() {
        return Activations.relu(this);
    }

    /** {@code log(1 + exp(x))} (PyTorch's beta 1, threshold 20). */
    public Tensor softplus() {
        return Activations.softplus(this);
    }

    public Tensor softmax(int dim) {
        return Activations.softmax(this, dim);
    }

    public Tensor logSoftmax(int dim) {
        return Activations.logSoftmax(this, dim);
    }

    // ---------------------------------------------------------------- reductions

    /** Sum of all elements (rank 0). */
    public Tensor sum() {
        return Reductions.sum(this, false);
    }

    /** Sum over the given axes, dropping them. */
    public Tensor sum(int... axes) {
        return Reductions.sum(this, false, axes);
    }

    public Tensor sum(boolean keepDims, int... axes) {
        return Reductions.sum(this, keepDims, axes);
    }

    public Tensor mean() {
        return Reductions.mean(this, false);
    }

    public Tensor mean(int... axes) {
        return Reductions.mean(this, false, axes);
    }

    public Tensor mean(boolean keepDims, int... axes) {
        return Reductions.mean(this, keepDims, axes);
    }

    /** Variance over the axes (all when empty); {@code unbiased} divides by N-1. */
    public Tensor var(boolean unbiased, boolean keepDims, int... axes) {
        return Reductions.var(this, unbiased, keepDims, axes);
    }

    public Tensor max(boolean keepDims, int... axes) {
        return Reductions.max(this, keepDims, axes);
    }

    /** Int64 indices of the maximum along {@code dim} (no gradient). */
    public Tensor argmax(int dim) {
        return Reductions.argmax(this, dim);
    }

    /** Int64 indices of the minimum along {@code dim} (no gradient). */
    public Tensor argmin(int dim) {
        return Reductions.argmin(this, dim);
    }

    // ---------------------------------------------------------------- linear algebra

    /** Matrix product; rank 2, or batched with equal ranks and identical batch dimensions. */
    public Tensor matmul(Tensor o) {
        return LinearAlgebra.matmul(this, o, false, false);
    }

    public Tensor matmul(Tensor o, boolean transposeThis, boolean transposeOther) {
        return LinearAlgebra.matmul(this, o, transposeThis, transposeOther);
    }

    // ---------------------------------------------------------------- shapes

    public Tensor reshape(long... newShape) {
        return ShapeOps.reshape(this, newShape);
    }

    /** Merges dimensions {@code start..} into one. */
    public Tensor flatten(int start) {
        return ShapeOps.flatten(this, start);
    }

    public Tensor unsqueeze(int dim) {
        return ShapeOps.unsqueeze(this, dim);
    }

    public Tensor squeeze(int dim) {
        return ShapeOps.squeeze(this, dim);
    }

    public Tensor permute(int... dims) {
        return ShapeOps.permute(this, dims);
    }

    public Tensor transpose(int dim0, int dim1) {
        return ShapeOps.transpose(this, dim0, dim1);
    }

    /** Elements {@code start} (inclusive) to {@code end} (exclusive) along {@code dim}. */
    public Tensor slice(int dim, long start, long end) {
        return ShapeOps.slice(this, dim, start, end);
    }

    public List<Tensor> chunk(int chunks, int dim) {
        return ShapeOps.chunk(this, chunks, dim);
    }

    public List<Tensor> split(int dim, long... sizes) {
        return ShapeOps.split(this, dim, sizes);
    }

    /** Broadcasts size-1 dimensions to {@code newShape} (a copy). */
    public Tensor expand(long... newShape) {
        return ShapeOps.expand(this, newShape);
    }

    /** The same values in row-major memory (a copy unless already so). */
    public Tensor contiguous() {
        return ShapeOps.contiguous(this);
    }

    /** The values converted to {@code type}; gradients flow back converted. */
    public Tensor to(DType type) {
        return ShapeOps.cast(this, type);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Tensor").append(Shapes.str(shape)).append(' ').append(dtype());
        if (node != null) {
            s.append(" grad_fn=").append(node.op());
        } else if (requiresGrad) {
            s.append(" requiresGrad");
        }
        if (!data.wasClosed() && numel() <= 16) {
            s.append(' ').append(data.toStringFull().replaceAll("\\s+", " "));
        }
        return s.toString();
    }
}
