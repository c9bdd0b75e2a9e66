package org.ldm4j.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Json#write} and {@link Json#writeCompact}: escaping, every value type, layout, and round trips. */
class JsonWriteTest {

    @Test
    void escapesQuotesBackslashesAndControlCharacters() {
        assertEquals("\"a\\\"b\\\\c\"", Json.write("a\"b\\c"));
        assertEquals("\"\\n\\r\\t\\b\\f\"", Json.write("\n\r\t\b\f"));
        assertEquals("\"\\u0000\\u0001\\u001f\\u007f\"", Json.write("\u0000\u0001\u001f\u007f"));
        assertEquals("\"\\u2028\\u2029\"", Json.write("\u2028\u2029"));
        assertEquals("\"/ é 中\"", Json.write("/ é 中"));
    }

    @Test
    void keepsSurrogatePairsAndEscapesLoneSurrogates() {
        assertEquals("\"\uD83D\uDE00\"", Json.write("\uD83D\uDE00"));            // a valid pair
        assertEquals("\"\\ud83d x\"", Json.write("\uD83D x"));                    // high alone
        assertEquals("\"\\ude00\"", Json.write("\uDE00"));                        // low alone
    }

    @Test
    void safetensorsHeaderStringsEscapeOnlyWhatJsonRequires() {
        StringBuilder b = new StringBuilder();
        Json.writeString(b, "\u0001\u007f\u2028\"");
        assertEquals("\"\\u0001\u007f\u2028\\\"\"", b.toString(), "as the reference writer: DEL, U+2028 raw");
    }

    @Test
    void everyStringSurvivesARoundTrip() throws Exception {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x300; c++) {
            all.append(c);
        }
        all.append("\u2028\u2029\uD83D\uDE00\"\\/");
        String s = all.toString();
        assertEquals(s, Json.parse(Json.write(s)));
        Map<String, Object> m = Map.of(s, s);
        assertEquals(m, Json.parse(Json.write(m)));
        assertEquals(m, Json.parse(Json.writeCompact(m)));
    }

    @Test
    void writesNumbersBooleansNullAndNonFiniteAsNull() throws Exception {
        assertEquals("42", Json.write(42));
        assertEquals("-7", Json.write(-7L));
        assertEquals("1.5", Json.write(1.5));
        assertEquals("1.0E-6", Json.write(1e-6));
        assertEquals("0.25", Json.write(0.25f));
        assertEquals("12.50", Json.write(new BigDecimal("12.50")));
        assertEquals("null", Json.write(Double.NaN));
        assertEquals("null", Json.write(Double.POSITIVE_INFINITY));
        assertEquals("null", Json.write(Float.NEGATIVE_INFINITY));
        assertEquals("true", Json.write(true));
        assertEquals("null", Json.write(null));
        assertEquals("null", Json.write(Json.NULL));
        assertEquals(1e-6, ((BigDecimal) Json.parse(Json.write(1e-6))).doubleValue());
        assertEquals("[1.5,null,null,7.0]", Json.writeCompact(new double[] {1.5, Double.NaN,
                Double.NEGATIVE_INFINITY, 7}));
    }

    @Test
    void writesNestedMapsListsAndArraysInOrder() throws Exception {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("median_ms", 5.25);
        inner.put("ok", false);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("z", "first");
        m.put("shape", List.of(8, 64, 32, 32));
        m.put("longs", new long[] {1, 2});
        m.put("empty", List.of());
        m.put("none", Map.of());
        m.put("inner", inner);
        m.put("rows", List.of(Map.of("a", 1), List.of(2, 3)));
        m.put("nothing", null);
        String json = Json.write(m);
        assertTrue(json.contains("\"shape\": [8, 64, 32, 32]"), json);
        assertTrue(json.indexOf("\"z\"") < json.indexOf("\"shape\""), json);
        assertTrue(json.contains("\"empty\": []") && json.contains("\"none\": {}"), json);
        assertTrue(json.contains("\n  \"inner\": {\n    \"median_ms\": 5.25,\n    \"ok\": false\n  }"), json);

        @SuppressWarnings("unchecked")
        Map<String, Object> back = (Map<String, Object>) Json.parse(json);
        assertEquals(new ArrayList<>(m.keySet()), new ArrayList<>(back.keySet()));
        assertEquals(List.of(8L, 64L, 32L, 32L), back.get("shape"));
        assertEquals(List.of(1L, 2L), back.get("longs"));
        assertEquals(Map.of("median_ms", new BigDecimal("5.25"), "ok", false), back.get("inner"));
        assertEquals(List.of(Map.of("a", 1L), List.of(2L, 3L)), back.get("rows"));
        assertTrue(back.containsKey("nothing"));
        assertSame(Json.NULL, back.get("nothing"));
        assertEquals(back, Json.parse(Json.writeCompact(m)), "compact and pretty hold the same values");
    }

    @Test
    void prettyLayoutIsExact() {
        Map<Object, Object> m = new LinkedHashMap<>();
        m.put("a", new int[] {1, 2});
        m.put("rows", List.of(Map.of("k", "v"), List.of()));
        m.put(7, 'c');
        assertEquals("{\n  \"a\": [1, 2],\n  \"rows\": [\n    {\n      \"k\": \"v\"\n    },\n    []\n  ],\n"
                + "  \"7\": \"c\"\n}", Json.write(m));
    }

    @Test
    void compactIsOneLineWithoutOptionalSpaces() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", 100);
        m.put("loss", 0.125);
        m.put("rows", List.of(Map.of("k", "a\nb"), new boolean[] {true}, Map.of()));
        assertEquals("{\"step\":100,\"loss\":0.125,\"rows\":[{\"k\":\"a\\nb\"},[true],{}]}", Json.writeCompact(m));
    }

    @Test
    void refusesTypesItCannotRepresent() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Json.write(Map.of("x", new Object())));
        assertTrue(e.getMessage().contains("java.lang.Object"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Json.writeCompact(List.of(Path.of("a"))));
        assertTrue(e.getMessage().contains("toString()"), "a Path is Iterable but not an array: " + e.getMessage());
    }

    @Test
    void theParserRejectsMalformedJson() {
        for (String bad : List.of("{\"a\":1,}", "[1 2]", "\"a\nb\"", "{\"a\":1} x", "01", "{'a':1}", "")) {
            assertThrows(Json.ParseException.class, () -> Json.parse(bad), bad);
        }
    }
}
