package org.ldm4j.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.io.Json;
import org.junit.jupiter.api.io.TempDir;

/** {@code ldm4j bench ops --quick} end to end: valid JSON on stdout and in --out, every figure present. */
class BenchOpsCommandTest {
    private static final Map<String, List<String>> REQUIRED = Map.of(
            "sgemm", List.of("median_ms", "min_ms", "gflops_median", "gflops_best"),
            "conv2d", List.of("raw_forward", "raw_backward", "raw_forward_backward", "autograd_forward",
                    "autograd_forward_backward", "autograd_over_raw_forward_backward", "target", "within_target"),
            "attention", List.of("forward_nograd", "forward_backward", "q_k_v", "scale"),
            "group_norm", List.of("forward_nograd", "forward_backward", "groups", "eps"),
            "tiny_op", List.of("raw_add", "autograd_add_grad", "autograd_add_nograd", "overhead_us",
                    "overhead_nograd_us", "iterations"),
            "summary", List.of("conv2d_autograd_over_raw", "conv2d_within_target", "tiny_op_overhead_us",
                    "tiny_op_within_target"),
            "backend", List.of("backend", "library", "onednn", "threads", "cpu"),
            "environment", List.of("OMP_NUM_THREADS", "OPENBLAS_CORETYPE", "MALLOC_MMAP_THRESHOLD_"));

    @Test
    void quickRunPrintsValidJsonWithEveryKey(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub/ops.json");
        MainTest.Run r = MainTest.run("bench", "ops", "--quick", "--reps", "1", "--warmup", "0",
                "--tiny-iters", "1000", "--out", file.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("ldm4j bench ops: conv2d"), "progress goes to stderr:\n" + r.err());

        Map<String, Object> report = object(Json.parse(r.out()));   // stdout is one JSON document
        assertEquals("ops", report.get("benchmark"));
        assertEquals(true, report.get("quick"));
        assertEquals(1L, report.get("repetitions"));
        for (var e : REQUIRED.entrySet()) {
            Map<String, Object> section = object(report.get(e.getKey()));
            for (String key : e.getValue()) {
                assertTrue(section.containsKey(key), e.getKey() + "." + key + " in\n" + r.out());
            }
        }
        Map<String, Object> conv = object(report.get("conv2d"));
        assertInstanceOf(BigDecimal.class, object(conv.get("autograd_forward_backward")).get("median_ms"));
        assertInstanceOf(Boolean.class, object(report.get("summary")).get("conv2d_within_target"));

        assertEquals(report, Json.parse(Files.readString(file)), "--out holds the same report");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v) {
        assertInstanceOf(Map.class, v);
        return (Map<String, Object>) v;
    }
}
