package org.ldm4j.training.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ldm4j.training.distributed.SparkRunner.Reduction;

/** The automatic choice of a reduction and the --reduce values. */
class ReductionTest {
    private static final long GB = 1L << 30;

    @Test
    void theDriverReducesUnlessItCannotHoldTheGradients() {
        assertEquals(Reduction.DRIVER, Reduction.auto(1_000_000, 2, 2 * GB));
        assertEquals(Reduction.DRIVER, Reduction.auto(40_000_000, 2, 6 * GB));       // 3 copies of 160 MB < 1.5 GB
        assertEquals(Reduction.SHARDED, Reduction.auto(859_520_964, 2, 8 * GB));     // SD 1.x's U-Net
        // more partitions: more partial sums on the driver
        assertEquals(Reduction.DRIVER, Reduction.auto(40_000_000, 4, 3 * GB));
        assertEquals(Reduction.SHARDED, Reduction.auto(40_000_000, 64, 3 * GB));
    }

    @Test
    void reduceValuesParseOrNameTheOptionAndTheChoices() {
        assertEquals(Reduction.DRIVER, Reduction.parse("driver"));
        assertEquals(Reduction.SHARDED, Reduction.parse("Sharded"));
        assertNull(Reduction.parse("auto"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Reduction.parse("ring"));
        assertTrue(e.getMessage().contains("--reduce: expected driver, sharded or auto, got \"ring\""), e.getMessage());
    }
}
