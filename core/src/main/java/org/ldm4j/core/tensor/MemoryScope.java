package org.ldm4j.core.tensor;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.ldm4j.core.backend.Backend;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A region whose tensors are released when it closes.
 *
 * <p>ND4J memory lives off-heap and the garbage collector does not reclaim it in time, so a training step or a
 * sampling step runs inside a scope: every tensor created while the scope is the innermost open one is freed
 * when it closes, except those passed to {@link #keep}. Parameters, gradients of leaves and optimizer state are
 * created outside any scope and are never freed by one. Scopes nest and are per thread.
 *
 * <pre>{@code
 * for (int step = 0; step < steps; step++) {
 *     try (MemoryScope scope = MemoryScope.open()) {
 *         Tensor loss = model.loss(batch);
 *         loss.backward();
 *         optimizer.step();
 *         lastLoss = loss.item();          // read what you need before the scope closes
 *     }
 * }
 * }</pre>
 */
public final class MemoryScope implements AutoCloseable {
    private static final ThreadLocal<ArrayDeque<MemoryScope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private final Thread owner = Thread.currentThread();
    private Set<INDArray> tracked = Collections.newSetFromMap(new IdentityHashMap<>());
    private java.util.List<Runnable> releases = new java.util.ArrayList<>();
    private long trackedBytes;
    private boolean closed;

    private MemoryScope() {
    }

    /** Whether a scope is open on this thread (tensors created now will be freed when it closes). */
    public static boolean isOpen() {
        return !STACK.get().isEmpty();
    }

    /** Opens a scope on this thread; close it in the same thread, innermost first (try-with-resources). */
    public static MemoryScope open() {
        MemoryScope s = new MemoryScope();
        STACK.get().push(s);
        return s;
    }

    /** The innermost open scope of this thread, or null. */
    static MemoryScope current() {
        return STACK.get().peek();
    }

    /** Backend-internal: registers an array with the innermost open scope, if there is one. */
    static void track(INDArray array) {
        MemoryScope s = STACK.get().peek();
        if (s != null) {
            s.add(array);
        }
    }

    /**
     * Backend-internal: runs {@code release} when the innermost open scope closes (arrays an op saved for a
     * backward pass that may never come). Does nothing when no scope is open.
     */
    public static void releaseAtClose(Runnable release) {
        MemoryScope s = STACK.get().peek();
        if (s != null) {
            s.releases.add(release);
        }
    }

    private void add(INDArray array) {
        if (tracked.add(array) && !array.isEmpty()) {
            trackedBytes += array.length() * array.dataType().width();
        }
    }

    /**
     * Keeps tensors alive past this scope: they move to the enclosing scope, or, at the outermost scope, are
     * left to the caller (and the garbage collector). Returns the first one, for {@code return scope.keep(out)}.
     */
    public Tensor keep(Tensor first, Tensor... more) {
        keepOne(first);
        for (Tensor t : more) {
            keepOne(t);
        }
        return first;
    }

    private void keepOne(Tensor t) {
        if (t == null) {
            return;
        }
        INDArray a = t.array();
        boolean mine;
        if (t.isView() || a.isView()) {
            // a view dies with the array it looks into: keep a copy of its own instead
            a = a.dup('c');
            t.replaceArray(a);
            mine = true;
        } else {
            mine = tracked.remove(a);   // arrays of outer scopes or persistent ones are not ours to move
        }
        MemoryScope parent = parent();
        if (mine && parent != null) {
            parent.add(a);
        }
    }

    private MemoryScope parent() {
        boolean seen = false;
        for (MemoryScope s : STACK.get()) {
            if (seen) {
                return s;
            }
            seen = s == this;
        }
        return null;
    }

    /** Bytes held by arrays created in this scope so far (views excluded), for tests and diagnostics. */
    public long trackedBytes() {
        return trackedBytes;
    }

    /** Number of arrays this scope will consider releasing. */
    public int trackedCount() {
        return tracked.size();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("MemoryScope: close it in the thread that opened it (" + owner.getName() + ")");
        }
        ArrayDeque<MemoryScope> stack = STACK.get();
        if (stack.peek() != this) {
            throw new IllegalStateException("MemoryScope: close inner scopes before outer ones (use try-with-resources)");
        }
        stack.pop();
        closed = true;
        for (Runnable r : releases) {
            r.run();
        }
        releases = null;
        for (INDArray a : tracked) {
            release(a);
        }
        tracked = null;
        if (stack.isEmpty()) {
            Backend.trimFreedMemory();
        }
    }

    /** Backend-internal: frees an array now if it is not already freed (never pass a view). */
    public static void release(INDArray a) {
        if (a != null && !a.isEmpty() && !a.wasClosed() && a.closeable()) {
            a.close();
        }
    }
}
