package org.ldm4j.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.io.Json;

/** {@code ldm4j bench spark --quick} end to end: JSON with the three step timings and their ratios. */
class BenchSparkCommandTest {

    @Test
    void quickRunReportsTheThreeWaysOfStepping() throws Exception {
        MainTest.Run r = MainTest.run("bench", "spark", "--quick");
        assertEquals(0, r.exit(), r.err());
        Map<String, Object> report = object(Json.parse(r.out()));
        assertEquals("spark", report.get("benchmark"));
        Map<String, Object> small = object(report.get("small"));
        for (String s : new String[] {"single_process", "spark_driver", "spark_sharded"}) {
            assertInstanceOf(BigDecimal.class, object(small.get(s)).get("median_ms"), s);
        }
        assertTrue(((Number) small.get("ratio_driver_to_single")).doubleValue() > 0);
        assertTrue(((Number) small.get("parameters")).longValue() > 100_000);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v) {
        assertInstanceOf(Map.class, v);
        return (Map<String, Object>) v;
    }
}
