package org.ldm4j.core.io;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal strict JSON (RFC 8259) reader and string writer, for safetensors headers only.
 *
 * <p>Values map to Java as: object to {@code LinkedHashMap<String, Object>} (member order kept), array to
 * {@code List<Object>}, string to {@code String}, an integer literal that fits a {@code long} to {@code Long},
 * any other number to {@code BigDecimal}, {@code true}/{@code false} to {@code Boolean}, and {@code null} to
 * {@link #NULL}. Strict means: no comments, no trailing commas, no leading zeros, no NaN, no raw control
 * characters in strings, no lone surrogates, no duplicate keys, nothing but whitespace after the value, and at
 * most {@value #MAX_DEPTH} levels of nesting (so that a hostile header cannot overflow the stack).
 *
 * <pre>{@code
 * Map<?, ?> header = (Map<?, ?>) Json.parse("{\"x\":{\"dtype\":\"F32\",\"shape\":[2]}}");
 * StringBuilder out = new StringBuilder();
 * Json.writeString(out, "a \"quoted\" name");     // "a \"quoted\" name"
 * }</pre>
 */
final class Json {
    /** The JSON {@code null} value. */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };
    static final int MAX_DEPTH = 64;

    private final String s;
    private int pos;

    private Json(String s) {
        this.s = s;
    }

    /** A syntax error, with the character position where it was found. */
    static final class ParseException extends Exception {
        private static final long serialVersionUID = 1L;

        ParseException(String message) {
            super(message);
        }
    }

    /** Parses one JSON value that spans all of {@code text} (surrounding whitespace allowed). */
    static Object parse(String text) throws ParseException {
        Json p = new Json(text);
        p.skipWhitespace();
        Object v = p.value(0);
        p.skipWhitespace();
        if (p.pos < text.length()) {
            throw p.error("expected the end of the JSON text after the top-level value");
        }
        return v;
    }

    /** A short description of a parsed value's JSON type, for error messages. */
    static String typeName(Object v) {
        if (v instanceof Map) {
            return "an object";
        } else if (v instanceof List) {
            return "an array";
        } else if (v instanceof String) {
            return "a string";
        } else if (v instanceof Long || v instanceof BigDecimal) {
            return "a number";
        } else if (v instanceof Boolean) {
            return "a boolean";
        }
        return "null";
    }

    /** Compact JSON text of a parsed value (strings quoted), for error messages that quote what was found. */
    static String render(Object v) {
        if (v instanceof String str) {
            StringBuilder b = new StringBuilder();
            writeString(b, str);
            return b.toString();
        } else if (v instanceof List<?> list) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < list.size(); i++) {
                b.append(i == 0 ? "" : ", ").append(render(list.get(i)));
            }
            return b.append(']').toString();
        } else if (v instanceof Map<?, ?> map) {
            return map.isEmpty() ? "{}" : "{...}";
        }
        return String.valueOf(v);
    }

    /** Appends {@code value} as a JSON string literal, escaping quotes, backslashes and control characters. */
    static void writeString(StringBuilder out, String value) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    // ---------------------------------------------------------------- recursive descent

    private Object value(int depth) throws ParseException {
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
            case 'n' -> literal("null", NULL);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("expected a value, found " + describe(c));
            }
        };
    }

    private Map<String, Object> object(int depth) throws ParseException {
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

    private List<Object> array(int depth) throws ParseException {
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

    private String string() throws ParseException {
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

    private void escape(StringBuilder b) throws ParseException {
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

    private char hex4() throws ParseException {
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
    private Object number() throws ParseException {
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

    private void digits(String where) throws ParseException {
        if (!isDigit(peek())) {
            throw error("expected a digit " + where + ", found " + describeHere());
        }
        while (isDigit(peek())) {
            pos++;
        }
    }

    private Object literal(String word, Object v) throws ParseException {
        if (!s.startsWith(word, pos)) {
            throw error("expected a value, found " + describeHere());
        }
        pos += word.length();
        return v;
    }

    // ---------------------------------------------------------------- helpers

    private void checkDepth(int depth) throws ParseException {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH + " levels");
        }
    }

    private void expect(char c, String where) throws ParseException {
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

    private ParseException error(String what) {
        return new ParseException(what + " at character " + pos);
    }
}
