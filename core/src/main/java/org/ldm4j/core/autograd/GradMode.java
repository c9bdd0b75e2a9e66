package org.ldm4j.core.autograd;

import org.ldm4j.core.tensor.Tensor;

/**
 * Whether operations record the graph that {@link Tensor#backward()} walks. On by default, per thread.
 *
 * <pre>{@code
 * try (GradMode.Scope g = GradMode.disabled()) {
 *     Tensor eps = unet.forward(x, t, context);   // inference: no graph, nothing kept for backward
 * }
 * }</pre>
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private GradMode() {
    }

    /** Restores the previous mode when closed. */
    public static final class Scope implements AutoCloseable {
        private final boolean previous;
        private boolean closed;

        private Scope(boolean previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            if (!closed) {
                ENABLED.get()[0] = previous;
                closed = true;
            }
        }
    }

    /** Turns graph recording off on this thread until the returned scope closes. */
    public static Scope disabled() {
        return set(false);
    }

    /** Turns graph recording on on this thread until the returned scope closes. */
    public static Scope enabled() {
        return set(true);
    }

    private static Scope set(boolean on) {
        boolean[] flag = ENABLED.get();
        Scope s = new Scope(flag[0]);
        flag[0] = on;
        return s;
    }

    /** Whether graph recording is on in this thread. */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** Whether an op on these inputs must record a node: recording is on and some input requires grad. */
    public static boolean needsGrad(Tensor a) {
        return a.requiresGrad() && isEnabled();
    }

    /** Whether an op on these inputs must record a node: recording is on and some input requires grad. */
    public static boolean needsGrad(Tensor a, Tensor b) {
        return (a.requiresGrad() || (b != null && b.requiresGrad())) && isEnabled();
    }

    /** Whether an op on these inputs must record a node: recording is on and some input requires grad. */
    public static boolean needsGrad(Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                return isEnabled();
            }
        }
        return false;
    }
}
