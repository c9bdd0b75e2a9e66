package org.ldm4j.training.models;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.data.Batch;
import org.ldm4j.training.data.Box;

/**
 * What a batch asks for, before any encoder: class labels, captions and layouts, one of each per example. A
 * {@link CondStage} encodes the part its kind uses and ignores the rest.
 *
 * <pre>{@code
 * Conditions c = Conditions.of(batch);                    // from a training batch
 * Conditions p = Conditions.prompts(List.of("a red circle", "a blue square"));
 * Conditions k = Conditions.classes(0, 1, 2);
 * }</pre>
 *
 * @param labels   B class labels
 * @param captions B captions
 * @param layouts  B layouts
 */
public record Conditions(long[] labels, List<String> captions, List<List<Box>> layouts) {
    public Conditions {
        Objects.requireNonNull(labels, "labels");
        labels = labels.clone();
        captions = List.copyOf(captions);
        layouts = layouts.stream().map(List::copyOf).toList();
        if (captions.size() != labels.length || layouts.size() != labels.length) {
            throw new IllegalArgumentException("conditions: expected as many captions and layouts as labels ("
                    + labels.length + "), got " + captions.size() + " and " + layouts.size());
        }
        if (labels.length == 0) {
            throw new IllegalArgumentException("conditions: expected at least one example, got none");
        }
    }

    /** The conditions of a training batch. */
    public static Conditions of(Batch b) {
        return of(b.labels(), b.captions(), b.layouts());
    }

    /** Labels int64 [B] with captions and layouts. */
    public static Conditions of(Tensor labels, List<String> captions, List<List<Box>> layouts) {
        return new Conditions(labels.toLongArray(), captions, layouts);
    }

    /** Class labels only (empty captions and layouts). */
    public static Conditions classes(long... labels) {
        int n = labels.length;
        return new Conditions(labels, Collections.nCopies(n, ""), Collections.nCopies(n, List.of()));
    }

    /** Prompts only (labels 0, empty layouts). */
    public static Conditions prompts(List<String> prompts) {
        int n = prompts.size();
        return new Conditions(new long[n], prompts, Collections.nCopies(n, List.of()));
    }

    /** Layouts only (labels 0, empty captions). */
    public static Conditions layouts(List<List<Box>> layouts) {
        int n = layouts.size();
        return new Conditions(new long[n], Collections.nCopies(n, ""), layouts);
    }

    /** The number of examples. */
    public int size() {
        return labels.length;
    }

    @Override
    public long[] labels() {
        return labels.clone();
    }

    /** The same conditions, each repeated {@code times} times in a row (a grid of samples per condition). */
    public Conditions repeatEach(int times) {
        if (times < 1) {
            throw new IllegalArgumentException("times: expected a positive count, got " + times);
        }
        int n = size();
        long[] l = new long[n * times];
        List<String> c = new ArrayList<>(n * times);
        List<List<Box>> b = new ArrayList<>(n * times);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < times; j++) {
                l[i * times + j] = labels[i];
                c.add(captions.get(i));
                b.add(layouts.get(i));
            }
        }
        return new Conditions(l, c, b);
    }
}
