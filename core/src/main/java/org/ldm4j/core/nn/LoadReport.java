package org.ldm4j.core.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ldm4j.core.tensor.Shapes;

/**
 * What {@link Module#load(java.util.Map, boolean)} did: the keys it copied, and by name the module's keys the
 * state dict lacks, the state dict's keys the module lacks, and the keys whose shapes differ.
 *
 * <pre>{@code
 * LoadReport r = unet.load(checkpoint, false);
 * if (!r.isClean()) {
 *     log.warn("partial load: {}", r);   // missing keys [...]; unexpected keys [...]; shape mismatches [...]
 * }
 * }</pre>
 *
 * @param loadedKeys     keys whose values were copied, in the module's state-dict order
 * @param missingKeys    module keys absent from the state dict
 * @param unexpectedKeys state-dict keys the module does not have
 * @param shapeMismatches keys present on both sides with different shapes (not copied)
 */
public record LoadReport(List<String> loadedKeys, List<String> missingKeys, List<String> unexpectedKeys,
                         List<ShapeMismatch> shapeMismatches) {

    /** Copies the lists (unmodifiable). */
    public LoadReport {
        loadedKeys = List.copyOf(loadedKeys);
        missingKeys = List.copyOf(missingKeys);
        unexpectedKeys = List.copyOf(unexpectedKeys);
        shapeMismatches = List.copyOf(shapeMismatches);
    }

    /** Whether every key matched in name and shape. */
    public boolean isClean() {
        return missingKeys.isEmpty() && unexpectedKeys.isEmpty() && shapeMismatches.isEmpty();
    }

    /** The names of the mismatched keys. */
    public List<String> mismatchedKeys() {
        List<String> out = new ArrayList<>();
        for (ShapeMismatch m : shapeMismatches) {
            out.add(m.key());
        }
        return out;
    }

    @Override
    public String toString() {
        if (isClean()) {
            return "all " + loadedKeys.size() + " keys loaded";
        }
        return "missing keys " + missingKeys + "; unexpected keys " + unexpectedKeys + "; shape mismatches "
                + shapeMismatches + "; " + loadedKeys.size() + " keys loadable";
    }

    /**
     * One key whose shapes differ.
     *
     * <pre>{@code
     * new ShapeMismatch("out.2.weight", new long[] {4, 32, 3, 3}, new long[] {3, 32, 3, 3}).toString();
     * // "out.2.weight: expected [4, 32, 3, 3], got [3, 32, 3, 3]"
     * }</pre>
     *
     * @param key      the state-dict key
     * @param expected the module's shape
     * @param found    the state dict's shape
     */
    public record ShapeMismatch(String key, long[] expected, long[] found) {
        /** Copies the shapes. */
        public ShapeMismatch {
            expected = expected.clone();
            found = found.clone();
        }

        @Override
        public long[] expected() {
            return expected.clone();
        }

        @Override
        public long[] found() {
            return found.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ShapeMismatch m && key.equals(m.key) && Arrays.equals(expected, m.expected)
                    && Arrays.equals(found, m.found);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * key.hashCode() + Arrays.hashCode(expected)) + Arrays.hashCode(found);
        }

        @Override
        public String toString() {
            return key + ": expected " + Shapes.str(expected) + ", got " + Shapes.str(found);
        }
    }
}
