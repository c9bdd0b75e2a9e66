package org.ldm4j.training.sd;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * Which tensor of a {@link WeightSource} fills which entry of a model's state dict, checked as a whole before
 * anything is copied: every model key must be filled exactly once with the same shape, and every source tensor
 * must fill one or be deliberately ignored (with a reason). Then the tensors are copied one at a time, each
 * converted to the model's dtype and freed right after, so that loading holds the model plus one tensor.
 *
 * <pre>{@code
 * WeightPlan plan = WeightPlan.select(source, name -> name.startsWith("model_ema.")
 *         ? WeightPlan.Decision.ignore("EMA weights") : WeightPlan.Decision.to(name));
 * plan.loadInto(model, Set.of("scale_factor"), key -> false);
 * }</pre>
 */
final class WeightPlan {
    /**
     * What becomes of one source tensor: the model key it fills, or why it is skipped.
     *
     * @param target the model's state-dict key, or null when ignored
     * @param reason why it is ignored, or null
     */
    record Decision(String target, String reason) {
        static Decision to(String target) {
            return new Decision(target, null);
        }

        static Decision ignore(String reason) {
            return new Decision(null, reason);
        }
    }

    private static final int LISTED = 8;

    private final WeightSource source;
    private final Map<String, String> targets;          // source name -> model key, in source order
    private final Map<String, Integer> ignored;          // reason -> count

    private WeightPlan(WeightSource source, Map<String, String> targets, Map<String, Integer> ignored) {
        this.source = source;
        this.targets = targets;
        this.ignored = ignored;
    }

    /** Decides every source tensor (an ignored one is never read). */
    static WeightPlan select(WeightSource source, Function<String, Decision> naming) {
        Map<String, String> targets = new LinkedHashMap<>();
        Map<String, Integer> ignored = new LinkedHashMap<>();
        for (String name : source.entries().keySet()) {
            Decision d = naming.apply(name);
            if (d.target() != null) {
                targets.put(name, d.target());
            } else {
                ignored.merge(d.reason(), 1, Integer::sum);
            }
        }
        return new WeightPlan(source, targets, ignored);
    }

    /** How many source tensors were skipped, by reason. */
    Map<String, Integer> ignored() {
        return Collections.unmodifiableMap(ignored);
    }

    /**
     * Checks the plan against {@code model}'s state dict, then copies. {@code optional} model keys may stay
     * unfilled; a source tensor whose key {@code linearAsConv} accepts may be [C, C] where the model has
     * [C, C, 1, 1] (or the reverse).
     *
     * @return the number of values per dtype on disk
     * @throws IllegalArgumentException naming the missing, unexpected, doubly filled and mis-shaped keys, with
     *                                  their shapes, before anything is copied
     */
    Map<DType, Long> loadInto(Module model, Set<String> optional, Predicate<String> linearAsConv) throws IOException {
        Map<String, Tensor> state = model.stateDict();
        Map<String, WeightSource.Entry> entries = source.entries();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> twice = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        Map<String, String> filledBy = new HashMap<>();
        for (Map.Entry<String, String> e : targets.entrySet()) {
            String name = e.getKey();
            String key = e.getValue();
            WeightSource.Entry src = entries.get(name);
            Tensor dst = state.get(key);
            String shown = name.equals(key) ? name : name + " (as " + key + ")";
            if (dst == null) {
                unexpected.add(shown + " " + Shapes.str(src.shape()));
                continue;
            }
            String earlier = filledBy.putIfAbsent(key, name);
            if (earlier != null) {
                twice.add(key + " from " + earlier + " and " + name);
            } else if (!src.dtype().isFloating() && dst.dtype().isFloating()) {
                mismatched.add(shown + ": expected floating-point values, got " + src.dtype());
            } else if (!fits(src.shape(), dst.shape(), linearAsConv.test(key))) {
                mismatched.add(shown + ": expected " + Shapes.str(dst.shape()) + ", got " + Shapes.str(src.shape()));
            }
        }
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            if (!filledBy.containsKey(e.getKey()) && !optional.contains(e.getKey())) {
                missing.add(e.getKey() + " " + Shapes.str(e.getValue().shape()));
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !twice.isEmpty() || !mismatched.isEmpty()) {
            List<String> parts = new ArrayList<>();
            part(parts, "missing key", "missing keys", missing);
            part(parts, "unexpected key", "unexpected keys", unexpected);
            part(parts, "key filled twice", "keys filled twice", twice);
            part(parts, "shape mismatch", "shape mismatches", mismatched);
            throw new IllegalArgumentException(source.describe() + " does not match the model (nothing was loaded): "
                    + String.join("; ", parts));
        }
        Map<DType, Long> onDisk = new EnumMap<>(DType.class);
        for (Map.Entry<String, String> e : targets.entrySet()) {
            Tensor dst = state.get(e.getValue());
            try (MemoryScope s = MemoryScope.open()) {
                Tensor src = source.read(e.getKey());
                onDisk.merge(src.dtype(), src.numel(), Long::sum);
                dst.assign(Shapes.equal(src.shape(), dst.shape()) ? src : src.reshape(dst.shape()));
            } finally {
                source.done(e.getKey());
            }
        }
        return onDisk;
    }

    /** Equal shapes, or (where allowed) a linear [C, C] and a 1x1 convolution [C, C, 1, 1]. */
    private static boolean fits(long[] src, long[] dst, boolean linearAsConv) {
        if (Shapes.equal(src, dst)) {
            return true;
        }
        return linearAsConv && Shapes.equal(squeezeTail(src), squeezeTail(dst)) && squeezeTail(src).length == 2;
    }

    private static long[] squeezeTail(long[] shape) {
        int n = shape.length;
        while (n > 2 && shape[n - 1] == 1) {
            n--;
        }
        return Arrays.copyOf(shape, n);
    }

    private static void part(List<String> parts, String one, String many, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        List<String> shown = items.subList(0, Math.min(LISTED, items.size()));
        parts.add(items.size() + " " + (items.size() == 1 ? one : many) + ": " + String.join(", ", shown)
                + (items.size() > LISTED ? ", ... (" + (items.size() - LISTED) + " more)" : ""));
    }
}
