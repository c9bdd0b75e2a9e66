package org.ldm4j.core.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * An indexed list of child modules named "0", "1", ..., as {@code nn.ModuleList}; the caller decides how to run
 * them (the reference's {@code input_blocks}, {@code down}, {@code up}, {@code block}, {@code attn}).
 *
 * <pre>{@code
 * ModuleList<ResnetBlock> block = register("block", new ModuleList<>());
 * block.add(new ResnetBlock(64, 64, rng));
 * for (ResnetBlock b : block) {
 *     h = b.forward(h);          // keys block.0.norm1.weight, ...
 * }
 * }</pre>
 *
 * @param <M> the element type
 */
public final class ModuleList<M extends Module> extends Module implements Iterable<M> {
    private final List<M> items = new ArrayList<>();

    public ModuleList() {
    }

    /** The given modules as children "0", "1", ... */
    public ModuleList(List<? extends M> modules) {
        for (M m : modules) {
            add(m);
        }
    }

    /** Appends a module as the next numbered child; returns this. */
    public ModuleList<M> add(M module) {
        register(Integer.toString(items.size()), module);
        items.add(module);
        return this;
    }

    /** The {@code i}-th module. */
    public M get(int i) {
        if (i < 0 || i >= items.size()) {
            throw new IndexOutOfBoundsException("index: expected [0, " + items.size() + "), got " + i);
        }
        return items.get(i);
    }

    public int size() {
        return items.size();
    }

    public boolean isEmpty() {
        return items.isEmpty();
    }

    @Override
    public Iterator<M> iterator() {
        return Collections.unmodifiableList(items).iterator();
    }
}
