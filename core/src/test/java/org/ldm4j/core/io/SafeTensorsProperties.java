package org.ldm4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

/** Any map of tensors and any metadata survive a write and a read exactly. */
class SafeTensorsProperties {
    /** A tensor's description: dtype, shape and exact values (bits for floats). */
    record Spec(DType dtype, long[] shape, long[] bits) {
        Tensor make() {
            int n = bits.length;
            return switch (dtype) {
                case FLOAT32 -> {
                    float[] v = new float[n];
                    for (int i = 0; i < n; i++) {
                        v[i] = Float.intBitsToFloat((int) bits[i]);
                    }
                    yield Tensor.of(v, shape);
                }
                case FLOAT64 -> {
                    double[] v = new double[n];
                    for (int i = 0; i < n; i++) {
                        v[i] = Double.longBitsToDouble(bits[i]);
                    }
                    yield Tensor.of(v, shape);
                }
                default -> Tensor.of(bits.clone(), shape);
            };
        }

        long[] bitsOf(Tensor t) {
            return switch (dtype) {
                case FLOAT32 -> {
                    float[] v = t.toFloatArray();
                    long[] b = new long[v.length];
                    for (int i = 0; i < v.length; i++) {
                        b[i] = Float.floatToIntBits(v[i]);
                    }
                    yield b;
                }
                case FLOAT64 -> {
                    double[] v = t.toDoubleArray();
                    long[] b = new long[v.length];
                    for (int i = 0; i < v.length; i++) {
                        b[i] = Double.doubleToLongBits(v[i]);
                    }
                    yield b;
                }
                default -> t.toLongArray();
            };
        }
    }

    @Property(tries = 60)
    void tensorsAndMetadataRoundTripExactly(@ForAll("tensorMaps") Map<String, Spec> specs,
            @ForAll("metadata") Map<String, String> metadata) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        specs.forEach((name, spec) -> tensors.put(name, spec.make()));
        Path dir = Files.createTempDirectory("ldm4j-props");
        Path f = dir.resolve("t.safetensors");
        StateDict back;
        try {
            SafeTensors.write(f, tensors, metadata);
            back = SafeTensors.read(f);
        } finally {
            Files.deleteIfExists(f);
            Files.delete(dir);
        }
        List<String> sorted = new ArrayList<>(specs.keySet());
        sorted.sort(SafeTensors::compareCodePoints);
        assertEquals(sorted, List.copyOf(back.names()), "names, in sorted order");
        assertEquals(metadata, back.metadata());
        assertEquals(List.copyOf(metadata.keySet()), List.copyOf(back.metadata().keySet()), "metadata order");
        for (Map.Entry<String, Spec> e : specs.entrySet()) {
            Spec s = e.getValue();
            Tensor t = back.get(e.getKey());
            assertEquals(s.dtype(), t.dtype(), e.getKey());
            assertArrayEquals(s.shape(), t.shape(), e.getKey());
            assertArrayEquals(s.bits(), s.bitsOf(t), e.getKey());
        }
    }

    @Provide
    Arbitrary<Map<String, Spec>> tensorMaps() {
        return Arbitraries.maps(names(), specs()).ofMaxSize(6);
    }

    @Provide
    Arbitrary<Map<String, String>> metadata() {
        return Arbitraries.maps(text(), text()).ofMaxSize(4);
    }

    /** Names with dots, quotes, backslashes, control characters, non-ASCII and supplementary characters. */
    private static Arbitrary<String> names() {
        return text().ofMinLength(1).filter(s -> !s.equals(SafeTensorsHeader.METADATA_KEY));
    }

    private static net.jqwik.api.arbitraries.StringArbitrary text() {
        return Arbitraries.strings().withChars("abz09._-\"\\/ \n\t\u0001\u00e9\u4e2d").withCharRange('A', 'C')
                .ofMaxLength(12);
    }

    private static Arbitrary<Spec> specs() {
        Arbitrary<DType> dtype = Arbitraries.of(DType.FLOAT32, DType.FLOAT64, DType.INT64);
        Arbitrary<long[]> shape = Arbitraries.longs().between(0, 3).array(long[].class).ofMaxSize(4);
        return Combinators.combine(dtype, shape).flatAs((d, s) -> {
            int n = (int) numel(s);
            Arbitrary<Long> element = switch (d) {
                case FLOAT32 -> Arbitraries.floats().filter(x -> !Float.isNaN(x))
                        .map(x -> (long) Float.floatToIntBits(x));
                case FLOAT64 -> Arbitraries.doubles().filter(x -> !Double.isNaN(x)).map(Double::doubleToLongBits);
                default -> Arbitraries.longs();
            };
            return element.array(long[].class).ofSize(n).map(bits -> new Spec(d, s, bits));
        });
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
