package org.ldm4j.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The header's JSON reader and string writer: every JSON type, escapes, and strictness. */
class SafeTensorsJsonTest {

    @Test
    void parsesEveryTypeKeepingMemberOrder() throws Exception {
        Object v = Json.parse(" {\"z\": [1, -2, 3.5, 1e3, 12345678901234567890], \"a\": \"s\", \"t\": true,"
                + " \"f\": false, \"n\": null, \"o\": {}} \n");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of("z", "a", "t", "f", "n", "o"), List.copyOf(m.keySet()));
        assertEquals(List.of(1L, -2L, new BigDecimal("3.5"), new BigDecimal("1e3"),
                new BigDecimal("12345678901234567890")), m.get("z"));
        assertEquals("s", m.get("a"));
        assertEquals(Boolean.TRUE, m.get("t"));
        assertEquals(Boolean.FALSE, m.get("f"));
        assertSame(Json.NULL, m.get("n"));
        assertEquals(Map.of(), m.get("o"));
    }

    @Test
    void decodesEscapes() throws Exception {
        assertEquals("q\"b\\s/\b\f\n\r\t\u00e9\uD83D\uDE00",
                Json.parse("\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\\u00E9\\ud83d\\ude00\""));
        assertEquals("\u00e9\uD83D\uDE00", Json.parse("\"\u00e9\uD83D\uDE00\""), "raw non-ASCII is kept");
    }

    @Test
    void writtenStringsParseBackToThemselves() throws Exception {
        for (String s : List.of("", "plain", "quote\"back\\slash", "ctl\u0000\u0001\u001f\n\t",
                "\u00e9\u4e2d\uD83D\uDE00", "{\"looks\":\"like json\"}")) {
            StringBuilder b = new StringBuilder();
            Json.writeString(b, s);
            for (char c : b.toString().toCharArray()) {
                assertTrue(c >= 0x20, "no raw control characters in " + b);
            }
            assertEquals(s, Json.parse(b.toString()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[1 2]", "{a:1}", "{'a':1}",
        "01", "-", "1.", ".5", "1e", "+1", "NaN", "Infinity", "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"",
        "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"tab\there\"", "[1] x", "/* c */ {}", "{} // c",
        "{\"a\":1,\"a\":2}"})
    void rejectsWhatStrictJsonRejects(String text) {
        Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse(text), () -> "accepted "
                + text);
        assertTrue(e.getMessage().contains("at character"), e.getMessage());
    }

    @Test
    void nestingIsCappedSoThatHostileInputCannotOverflowTheStack() throws Exception {
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertTrue(Json.parse(ok) instanceof List);
        String deep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse(deep));
        assertTrue(e.getMessage().contains("nesting deeper than 64"), e.getMessage());
    }

    @Test
    void errorsSayWhatWasExpectedAndWhere() {
        Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse("{\"a\":1 \"b\":2}"));
        assertEquals("expected ',' or '}' after an object member, found '\"' at character 7", e.getMessage());
    }

    @Test
    void renderQuotesWhatWasFound() throws Exception {
        assertEquals("[2, \"x\", 1.5, null, {...}]", Json.render(Json.parse("[2,\"x\",1.5,null,{\"k\":1}]")));
        assertEquals("[]", Json.render(Arrays.asList()));
    }
}
