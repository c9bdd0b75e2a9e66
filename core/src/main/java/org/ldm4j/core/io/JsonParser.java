package org.ldm4j.core.io;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The strict recursive-descent parser behind {@link Json#parse}: one instance reads one text, left to right,
 * and throws {@link Json.ParseException} with the character position at the first thing RFC 8259 forbids.
 *
 * <pre>{@code
 * Object v = JsonParser.parse("{\"shape\": [2, 3]}");     // {shape=[2, 3]}, the numbers as Long
 * }</pre>
 */
final class JsonParser {
    private final String s;
    private int pos;

    private JsonParser(String s) {
        this.s = s;
    }

    /** Parses one JSON value that spans all of {@code text} (surrounding whitespace allowed). */
    static Object parse(String text) throws Json.ParseException {
        JsonParser p = new JsonParser(text);
        p.skipWhitespace();
        Object v = p.value(0);
        p.skipWhitespace();
        if (p.pos < text.length()) {
            throw p.error("expected the end of the JSON text after the top-level value");
        }
        return v;
    }

    // ---------------------------------------------------------------- recursive descent

    private Object value(int depth) throws Json.ParseException {
        if (pos >= s.length()) {
            throw error("expected a value, found the end of the text");
        }
        char c = s.charAt(pos);
        return switch (c) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", Json.NULL);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("expected a value, found " + describe(c));
            }
        };
    }

    private Map<String, Object> object(int depth) throws Json.ParseException {
        checkDepth(depth);
        pos++; // '{'
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return map;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("expected a string key in an object, found " + describeHere());
            }
            int keyPos = pos;
            String key = string();
            skipWhitespace();
            expect(':', "after the object key");
            skipWhitespace();
            Object v = value(depth);
            if (map.containsKey(key)) {
                pos = keyPos;
                throw error("duplicate key \"" + key + "\"");
            }
            map.put(key, v);
            skipWhitespace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == '}') {
                pos++;
                return map;
            } else {
                throw error("expected ',' or '}' after an object member, found " + describeHere());
            }
        }
    }

    private List<Object> array(int depth) throws Json.ParseException {
        checkDepth(depth);
        pos++; // '['
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            skipWhitespace();
            list.add(value(depth));
            skipWhitespace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == ']') {
                pos++;
                return list;
            } else {
                throw error("expected ',' or ']' after an array element, found " + describeHere());
            }
        }
    }

    private String string() throws Json.ParseException {
        pos++; // opening quote
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(pos++);
            if (c == '"') {
                return b.toString();
            } else if (c == '\\') {
                escape(b);
            } else if (c < 0x20) {
                pos--;
                throw error("raw control character " + describe(c) + " in a string (must be escaped)");
            } else {
                b.append(c);
            }
        }
    }

    private void escape(StringBuilder b) throws Json.ParseException {
        if (pos >= s.length()) {
            throw error("unterminated escape sequence");
        }
        char e = s.charAt(pos++);
        switch (e) {
            case '"' -> b.append('"');
            case '\\' -> b.append('\\');
            case '/' -> b.append('/');
            case 'b' -> b.append('\b');
            case 'f' -> b.append('\f');
            case 'n' -> b.append('\n');
            case 'r' -> b.append('\r');
            case 't' -> b.append('\t');
            case 'u' -> {
                char u = hex4();
                if (Character.isHighSurrogate(u)) {
                    if (!s.startsWith("\\u", pos)) {
                        throw error("lone high surrogate \\u" + Integer.toHexString(u) + " in a string");
                    }
                    pos += 2;
                    char low = hex4();
                    if (!Character.isLowSurrogate(low)) {
                        throw error("high surrogate \\u" + Integer.toHexString(u) + " not followed by a low one");
                    }
                    b.append(u).append(low);
                } else if (Character.isLowSurrogate(u)) {
                    throw error("lone low surrogate \\u" + Integer.toHexString(u) + " in a string");
                } else {
                    b.append(u);
                }
            }
            default -> {
                pos--;
                throw error("invalid escape \\" + e);
            }
        }
    }

    private char hex4() throws Json.ParseException {
        if (pos + 4 > s.length()) {
            throw error("expected 4 hex digits after \\u");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos + i), 16);
            if (d < 0) {
                throw error("expected 4 hex digits after \\u, found \"" + s.substring(pos, pos + 4) + "\"");
            }
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    // number = [ '-' ] ( '0' | [1-9][0-9]* ) [ '.' [0-9]+ ] [ ( 'e' | 'E' ) [ '+' | '-' ] [0-9]+ ]
    private Object number() throws Json.ParseException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
            if (isDigit(peek())) {
                throw error("leading zeros are not allowed in numbers");
            }
        } else if (isDigit(peek())) {
            while (isDigit(peek())) {
                pos++;
            }
        } else {
            throw error("expected a digit, found " + describeHere());
        }
        boolean integer = true;
        if (peek() == '.') {
            integer = false;
            pos++;
            digits("after the decimal point");
        }
        if (peek() == 'e' || peek() == 'E') {
            integer = false;
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            digits("in the exponent");
        }
        String text = s.substring(start, pos);
        if (integer) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException tooLarge) {
                return new BigDecimal(text);
            }
        }
        return new BigDecimal(text);
    }

    private void digits(String where) throws Json.ParseException {
        if (!isDigit(peek())) {
            throw error("expected a digit " + where + ", found " + describeHere());
        }
        while (isDigit(peek())) {
            pos++;
        }
    }

    private Object literal(String word, Object v) throws Json.ParseException {
        if (!s.startsWith(word, pos)) {
            throw error("expected a value, found " + describeHere());
        }
        pos += word.length();
        return v;
    }

    // ---------------------------------------------------------------- helpers

    private void checkDepth(int depth) throws Json.ParseException {
        if (depth > Json.MAX_DEPTH) {
            throw error("nesting deeper than " + Json.MAX_DEPTH + " levels");
        }
    }

    private void expect(char c, String where) throws Json.ParseException {
        if (peek() != c) {
            throw error("expected '" + c + "' " + where + ", found " + describeHere());
        }
        pos++;
    }

    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\uFFFF';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private void skipWhitespace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private String describeHere() {
        return pos < s.length() ? describe(s.charAt(pos)) : "the end of the text";
    }

    private static String describe(char c) {
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }

    private Json.ParseException error(String what) {
        return new Json.ParseException(what + " at character " + pos);
    }
}
