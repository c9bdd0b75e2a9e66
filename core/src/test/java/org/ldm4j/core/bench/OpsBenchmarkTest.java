package org.ldm4j.core.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The benchmark runs end to end and reports every figure; its timings are never asserted. */
class OpsBenchmarkTest {

    @Test
    void aShortRunReportsEveryFigure() {
        List<String> progress = new ArrayList<>();
        OpsBenchmark.Options o = OpsBenchmark.Options.quickRun().withRepetitions(2).withWarmup(0)
                .withTinyOpIterations(1500);
        Map<String, Object> r = new OpsBenchmark(o, progress::add).run();

        assertEquals("ops", r.get("benchmark"));
        assertEquals(2, r.get("repetitions"));
        assertEquals(true, r.get("quick"));
        Map<String, Object> env = map(r, "environment");
        assertTrue(env.containsKey("OMP_NUM_THREADS") && env.containsKey("OPENBLAS_CORETYPE")
                && env.containsKey("MALLOC_MMAP_THRESHOLD_"), env.toString());
        Map<String, Object> backend = map(r, "backend");
        for (String k : List.of("backend", "library", "onednn", "threads", "cpu")) {
            assertTrue(backend.containsKey(k), k);
        }
        Map<String, Object> sgemm = map(r, "sgemm");
        positive(sgemm, "median_ms", "min_ms", "max_ms", "gflops_median", "gflops_best");

        Map<String, Object> conv = map(r, "conv2d");
        for (String v : List.of("raw_forward", "raw_backward", "raw_forward_backward", "autograd_forward",
                "autograd_forward_backward")) {
            positive(map(conv, v), "median_ms", "min_ms", "max_ms", "gflops_median");
        }
        positive(conv, "autograd_over_raw_forward", "autograd_over_raw_forward_backward",
                "autograd_over_raw_forward_backward_paired");
        assertInstanceOf(Boolean.class, conv.get("within_target"));

        Map<String, Object> attention = map(r, "attention");
        positive(map(attention, "forward_nograd"), "median_ms", "min_ms", "gflops_median");
        positive(map(attention, "forward_backward"), "median_ms", "min_ms", "gflops_median");
        Map<String, Object> gn = map(r, "group_norm");
        positive(map(gn, "forward_nograd"), "median_ms", "min_ms");
        positive(map(gn, "forward_backward"), "median_ms", "min_ms");

        Map<String, Object> tiny = map(r, "tiny_op");
        assertEquals(2000, tiny.get("iterations"));      // 1500 rounded up to whole blocks of 1000
        positive(map(tiny, "raw_add"), "median_us", "min_us");
        positive(map(tiny, "autograd_add_grad"), "median_us", "min_us");
        positive(map(tiny, "autograd_add_nograd"), "median_us", "min_us");
        assertInstanceOf(Double.class, tiny.get("overhead_us"));
        assertInstanceOf(Double.class, tiny.get("overhead_nograd_us"));

        Map<String, Object> summary = map(r, "summary");
        for (String k : List.of("conv2d_autograd_over_raw", "conv2d_target", "conv2d_within_target",
                "tiny_op_overhead_us", "tiny_op_overhead_target_us", "tiny_op_within_target")) {
            assertTrue(summary.containsKey(k), k);
        }
        assertFalse(progress.isEmpty());
    }

    @Test
    void optionsRejectNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new OpsBenchmark.Options(0, 1, 10, false));
        assertThrows(IllegalArgumentException.class, () -> new OpsBenchmark.Options(1, -1, 10, false));
        assertThrows(IllegalArgumentException.class, () -> new OpsBenchmark.Options(1, 1, 0, false));
    }

    @Test
    void interleavedTimingRotatesTheOrderAndKeepsEverySample() {
        List<String> calls = new ArrayList<>();
        Interleaved t = new Interleaved(1, 3).add("a", () -> calls.add("a")).add("b", () -> calls.add("b")).run();
        assertEquals(List.of("a", "b", "a", "b", "b", "a", "a", "b"), calls);
        assertEquals(3, t.samples("a").length);
        assertTrue(t.min("a") <= t.median("a"));
        assertEquals(2.5, Interleaved.median(new double[] {4, 1, 2, 3}));
        assertThrows(IllegalStateException.class, () -> t.samples("c"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> m, String key) {
        Object v = m.get(key);
        assertInstanceOf(Map.class, v, key);
        return (Map<String, Object>) v;
    }

    private static void positive(Map<String, Object> m, String... keys) {
        for (String k : keys) {
            Object v = m.get(k);
            assertInstanceOf(Number.class, v, k);
            double d = ((Number) v).doubleValue();
            assertTrue(d > 0 && Double.isFinite(d), k + " = " + d);
        }
    }
}
