package org.ldm4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * For random module trees, {@code stateDict()} loaded into a differently initialised twin reproduces the same
 * outputs bit for bit and the same state dict (keys, order and values, buffers included).
 */
class StateDictRoundTripProperties {

    /** The shape of a random tree, independent of channel counts (those follow the input as it is built). */
    sealed interface Spec {
    }

    record ConvSpec(int out, int kernel, boolean bias) implements Spec {
    }

    record LinearSpec(int out, boolean bias) implements Spec {
    }

    record GroupNormSpec(int groups) implements Spec {
    }

    record BatchNormSpec() implements Spec {
    }

    record SiluSpec() implements Spec {
    }

    record SequentialSpec(List<Spec> items) implements Spec {
    }

    record ListSpec(List<Spec> items) implements Spec {
    }

    /** A ModuleList run as a chain, as the reference iterates its block lists. */
    private static final class Chain extends Module implements Layer {
        private final ModuleList<Module> blocks;

        Chain(List<Module> items) {
            blocks = register("blocks", new ModuleList<>(items));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = x;
            for (Module m : blocks) {
                h = ((Layer) m).forward(h);
            }
            return h;
        }
    }

    /** Builds {@code spec} for an input [B, dims[0], H, dims[1]], updating channels and width as it goes. */
    private static Module build(Spec spec, long[] dims, Rng rng) {
        if (spec instanceof ConvSpec c) {
            Module m = new Conv2d(dims[0], c.out(), c.kernel(), 1, c.kernel() / 2, c.bias(), rng);
            dims[0] = c.out();
            return m;
        } else if (spec instanceof LinearSpec l) {
            Module m = new Linear(dims[1], l.out(), l.bias(), rng);
            dims[1] = l.out();
            return m;
        } else if (spec instanceof GroupNormSpec g) {
            return new GroupNorm(g.groups(), dims[0], 1e-5);         // channels are always even
        } else if (spec instanceof BatchNormSpec) {
            return new BatchNorm2d(dims[0]);
        } else if (spec instanceof SiluSpec) {
            return new SiLU();
        } else if (spec instanceof SequentialSpec s) {
            Sequential seq = new Sequential();
            for (Spec item : s.items()) {
                seq.add(build(item, dims, rng));
            }
            return seq;
        }
        ListSpec l = (ListSpec) spec;
        return new Chain(l.items().stream().map(item -> build(item, dims, rng)).toList());
    }

    private static Module buildRoot(List<Spec> items, long seed) {
        return build(new SequentialSpec(items), new long[] {2, 5}, new Rng(seed));
    }

    @Provide
    Arbitrary<List<Spec>> trees() {
        return spec(2).list().ofMinSize(1).ofMaxSize(4);
    }

    private Arbitrary<Spec> spec(int depth) {
        Arbitrary<Spec> leaf = Arbitraries.oneOf(
                Arbitraries.of(2, 4, 6).flatMap(o -> Arbitraries.of(1, 3).flatMap(
                        k -> Arbitraries.of(true, false).map(b -> new ConvSpec(o, k, b)))),
                Arbitraries.integers().between(1, 4).flatMap(o -> Arbitraries.of(true, false)
                        .map(b -> new LinearSpec(o, b))),
                Arbitraries.of(1, 2).map(GroupNormSpec::new),
                Arbitraries.just(new BatchNormSpec()),
                Arbitraries.just(new SiluSpec()));
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<List<Spec>> items = spec(depth - 1).list().ofMinSize(1).ofMaxSize(3);
        return Arbitraries.frequencyOf(
                Tuple.of(4, leaf),
                Tuple.of(1, items.map(SequentialSpec::new)),
                Tuple.of(1, items.map(ListSpec::new)));
    }

    @Property(tries = 40)
    void aLoadedTwinBehavesIdentically(@ForAll("trees") List<Spec> tree, @ForAll long seedA, @ForAll long seedB) {
        try (MemoryScope scope = MemoryScope.open()) {
            Module a = buildRoot(tree, seedA);
            Module b = buildRoot(tree, seedB == seedA ? seedA + 1 : seedB);
            Tensor x = new Rng(seedA ^ 0x5eed).normal(2, 2, 3, 5);
            ((Layer) a).forward(x);          // moves BatchNorm running statistics and counters away from their start
            a.eval();
            b.eval();

            LoadReport report = b.load(a.stateDict(), true);
            assertTrue(report.isClean(), report::toString);

            Map<String, Tensor> sa = a.stateDict();
            Map<String, Tensor> sb = b.stateDict();
            assertEquals(List.copyOf(sa.keySet()), List.copyOf(sb.keySet()));
            assertEquals(sa.keySet(), report.loadedKeys().stream().collect(java.util.stream.Collectors.toSet()));
            for (String k : sa.keySet()) {
                assertEquals(sa.get(k).dtype(), sb.get(k).dtype(), k);
                assertArrayEquals(sa.get(k).toDoubleArray(), sb.get(k).toDoubleArray(), 0.0, k);
            }
            Tensor ya = ((Layer) a).forward(x);
            Tensor yb = ((Layer) b).forward(x);
            assertArrayEquals(ya.toFloatArray(), yb.toFloatArray(), 0.0f);
            assertEquals(a.parameterCount(), b.parameterCount());
        }
    }
}
