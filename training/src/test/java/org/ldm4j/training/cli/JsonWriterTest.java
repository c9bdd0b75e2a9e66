package org.ldm4j.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonWriterTest {

    @Test
    void escapesQuotesBackslashesAndControlCharacters() {
        assertEquals("\"a\\\"b\\\\c\"", JsonWriter.quote("a\"b\\c"));
        assertEquals("\"\\n\\r\\t\\b\\f\"", JsonWriter.quote("\n\r\t\b\f"));
        assertEquals("\"\\u0000\\u0001\\u001f\\u007f\"", JsonWriter.quote("\u0000\u0001\u001f\u007f"));
        assertEquals("\"\\u2028\\u2029\"", JsonWriter.quote("\u2028\u2029"));
        assertEquals("\"/ é 中\"", JsonWriter.quote("/ é 中"));
    }

    @Test
    void keepsSurrogatePairsAndEscapesLoneSurrogates() {
        assertEquals("\"\uD83D\uDE00\"", JsonWriter.quote("\uD83D\uDE00"));            // a valid pair
        assertEquals("\"\\ud83d x\"", JsonWriter.quote("\uD83D x"));                    // high alone
        assertEquals("\"\\ude00\"", JsonWriter.quote("\uDE00"));                        // low alone
    }

    @Test
    void everyStringSurvivesARoundTrip() {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x300; c++) {
            all.append(c);
        }
        all.append("\u2028\u2029\uD83D\uDE00\"\\/");
        String s = all.toString();
        assertEquals(s, JsonReader.parse(JsonWriter.quote(s)));
        Map<String, Object> m = Map.of(s, s);
        assertEquals(m, JsonReader.parse(JsonWriter.write(m)));
    }

    @Test
    void writesNumbersBooleansNullAndNonFiniteAsNull() {
        assertEquals("42", JsonWriter.write(42));
        assertEquals("-7", JsonWriter.write(-7L));
        assertEquals("1.5", JsonWriter.write(1.5));
        assertEquals("1.0E-6", JsonWriter.write(1e-6));
        assertEquals("0.25", JsonWriter.write(0.25f));
        assertEquals("12.50", JsonWriter.write(new BigDecimal("12.50")));
        assertEquals("null", JsonWriter.write(Double.NaN));
        assertEquals("null", JsonWriter.write(Double.POSITIVE_INFINITY));
        assertEquals("null", JsonWriter.write(Float.NEGATIVE_INFINITY));
        assertEquals("true", JsonWriter.write(true));
        assertEquals("null", JsonWriter.write(null));
        assertEquals(1e-6, JsonReader.parse(JsonWriter.write(1e-6)));
    }

    @Test
    void writesNestedMapsListsAndArraysInOrder() {
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
        String json = JsonWriter.write(m);
        assertTrue(json.contains("\"shape\": [8, 64, 32, 32]"), json);
        assertTrue(json.indexOf("\"z\"") < json.indexOf("\"shape\""), json);
        assertTrue(json.contains("\"empty\": []") && json.contains("\"none\": {}"), json);
        assertTrue(json.contains("\n  \"inner\": {\n    \"median_ms\": 5.25,\n    \"ok\": false\n  }"), json);

        @SuppressWarnings("unchecked")
        Map<String, Object> back = (Map<String, Object>) JsonReader.parse(json);
        assertEquals(new ArrayList<>(m.keySet()), new ArrayList<>(back.keySet()));
        assertEquals(List.of(8.0, 64.0, 32.0, 32.0), back.get("shape"));
        assertEquals(List.of(1.0, 2.0), back.get("longs"));
        assertEquals(Map.of("median_ms", 5.25, "ok", false), back.get("inner"));
        assertEquals(List.of(Map.of("a", 1.0), List.of(2.0, 3.0)), back.get("rows"));
        assertTrue(back.containsKey("nothing") && back.get("nothing") == null);
    }

    @Test
    void refusesTypesItCannotRepresent() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JsonWriter.write(Map.of("x", new Object())));
        assertTrue(e.getMessage().contains("java.lang.Object"), e.getMessage());
    }

    @Test
    void theTestReaderRejectsMalformedJson() {
        for (String bad : List.of("{\"a\":1,}", "[1 2]", "\"a\nb\"", "{\"a\":1} x", "01", "{'a':1}", "")) {
            assertThrows(IllegalArgumentException.class, () -> JsonReader.parse(bad), bad);
        }
    }
}
