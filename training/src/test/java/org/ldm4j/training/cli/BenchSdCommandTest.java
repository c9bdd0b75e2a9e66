package org.ldm4j.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.io.Json;

/** {@code ldm4j bench sd --quick} end to end: a tiny SD-shaped model, seconds per image and memory in JSON. */
class BenchSdCommandTest {

    @Test
    void quickRunReportsSecondsPerImageAndMemory() throws Exception {
        MainTest.Run r = MainTest.run("bench", "sd", "--quick");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("step 2/2"), r.err());
        Map<String, Object> report = object(Json.parse(r.out()));
        assertEquals("sd", report.get("benchmark"));
        assertTrue(((Number) report.get("seconds_per_image")).doubleValue() > 0);
        assertTrue(((Number) report.get("step_median_s")).doubleValue() > 0);
        assertTrue(((Number) report.get("resident_mb_peak")).longValue() > 0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v) {
        assertInstanceOf(Map.class, v);
        return (Map<String, Object>) v;
    }
}
