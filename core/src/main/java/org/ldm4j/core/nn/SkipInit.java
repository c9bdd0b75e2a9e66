package org.ldm4j.core.nn;

import org.ldm4j.core.tensor.DType;

/**
 * A scope in which modules are built without initialising their parameters (PyTorch's {@code skip_init}, the
 * {@code init_empty_weights} of Hugging Face's accelerate): every parameter registered on this thread while the
 * scope is open is allocated as zeros in the scope's dtype, and the layers of this package draw no random numbers
 * for them. For models whose every weight is about to be loaded: building Stable Diffusion's 1.07 billion
 * parameters this way takes seconds instead of the half minute their random initialisation costs, and in
 * {@link DType#FLOAT16} it holds half the memory, with no float32 copy ever made.
 *
 * <p>Buffers keep their values (floating-point ones converted to the scope's dtype): they are small, and a
 * non-persistent buffer is never loaded. The generator passed to the layers is not advanced by the layers of this
 * package, so the draws after a skipped module differ from those after an initialised one. Scopes nest; each
 * belongs to the thread that opened it and must be closed on it, innermost first (try-with-resources).
 *
 * <pre>{@code
 * UNetModel unet;
 * try (SkipInit s = SkipInit.open(DType.FLOAT32)) {
 *     unet = new UNetModel(UNetConfig.sd15(), new Rng(0));     // zeros, no random draws
 * }
 * unet.load(weights, true);                                    // then every parameter is loaded
 * }</pre>
 */
public final class SkipInit implements AutoCloseable {
    private static final ThreadLocal<SkipInit> CURRENT = new ThreadLocal<>();

    private final DType dtype;
    private final SkipInit outer;
    private final Thread owner;
    private boolean closed;

    private SkipInit(DType dtype, SkipInit outer) {
        this.dtype = dtype;
        this.outer = outer;
        this.owner = Thread.currentThread();
    }

    /** Opens a scope whose parameters are float32 zeros. */
    public static SkipInit open() {
        return open(DType.FLOAT32);
    }

    /** Opens a scope whose parameters are zeros of {@code dtype} (floating point). */
    public static SkipInit open(DType dtype) {
        if (dtype == null || !dtype.isFloating()) {
            throw new IllegalArgumentException("dtype: expected a floating-point type for the parameters, got "
                    + dtype);
        }
        SkipInit s = new SkipInit(dtype, CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /** Whether a scope is open on this thread. */
    public static boolean isActive() {
        return CURRENT.get() != null;
    }

    /** The innermost open scope of this thread, or null. */
    static SkipInit current() {
        return CURRENT.get();
    }

    /** The dtype of the parameters built in this scope. */
    public DType dtype() {
        return dtype;
    }

    /** Ends the scope; modules built afterwards are initialised again (or follow the enclosing scope). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("close: a SkipInit scope must be closed on the thread that opened it ("
                    + owner.getName() + "), not on " + Thread.currentThread().getName());
        }
        if (CURRENT.get() != this) {
            throw new IllegalStateException("close: an inner SkipInit scope is still open; close scopes innermost "
                    + "first (try-with-resources does)");
        }
        closed = true;
        if (outer == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(outer);
        }
    }

    @Override
    public String toString() {
        return "SkipInit[" + dtype + (closed ? ", closed" : "") + "]";
    }
}
