package org.ldm4j.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.io.Json;

/** {@code ldm4j bench unet --quick} end to end: JSON on stdout with both timings and the model's size. */
class BenchUnetCommandTest {

    @Test
    void quickRunReportsBothMeasurements() throws Exception {
        MainTest.Run r = MainTest.run("bench", "unet", "--quick");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("ldm4j bench unet:"), r.err());
        Map<String, Object> report = object(Json.parse(r.out()));
        assertEquals("unet", report.get("benchmark"));
        for (String section : new String[] {"forward_nograd", "train_step"}) {
            assertInstanceOf(BigDecimal.class, object(report.get(section)).get("median_ms"), section);
        }
        assertTrue(((Number) object(report.get("model")).get("parameters")).longValue() > 100_000);
        assertTrue(((Number) report.get("resident_mb_peak")).longValue() > 0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v) {
        assertInstanceOf(Map.class, v);
        return (Map<String, Object>) v;
    }
}
