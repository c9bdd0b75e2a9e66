package org.ldm4j.core.io;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * JSON for the whole project: a strict RFC 8259 reader (safetensors headers, reports read back in tests) and a
 * writer of plain Java values (benchmark reports, metrics).
 *
 * <p><b>Reading.</b> {@link #parse} maps JSON to Java as: object to {@code LinkedHashMap<String, Object>} (member
 * order kept), array to {@code List<Object>}, string to {@code String}, an integer literal that fits a
 * {@code long} to {@code Long}, any other number to {@code BigDecimal}, {@code true}/{@code false} to
 * {@code Boolean}, and {@code null} to {@link #NULL}. Strict means: no comments, no trailing commas, no leading
 * zeros, no NaN, no raw control characters in strings, no lone surrogates, no duplicate keys, nothing but
 * whitespace after the value, and at most 64 levels of nesting (so that hostile input cannot overflow the
 * stack).
 *
 * <p><b>Writing.</b> {@link #write} (pretty, two-space indentation) and {@link #writeCompact} (one line) accept
 * maps (keys written as {@code String.valueOf(key)}, in iteration order), iterables and Java arrays (primitive
 * arrays too) as arrays, strings, characters and enums as strings, numbers, booleans, and {@code null} or
 * {@link #NULL} as {@code null}. Non-finite numbers, which JSON cannot represent, are written as {@code null}.
 * Strings escape what RFC 8259 requires (quote, backslash, control characters) and also DEL, U+2028, U+2029 and
 * unpaired surrogates, so the text is valid UTF-8 that JavaScript can embed. Anything else is refused with an
 * {@code IllegalArgumentException}. Whatever the writer produces, {@link #parse} reads back.
 *
 * <pre>{@code
 * Map<String, Object> report = new LinkedHashMap<>();
 * report.put("name", "conv2d");
 * report.put("shape", new int[] {8, 64, 32, 32});
 * String json = Json.write(report);
 * // {
 * //   "name": "conv2d",
 * //   "shape": [8, 64, 32, 32]
 * // }
 * String line = Json.writeCompact(report);          // {"name":"conv2d","shape":[8,64,32,32]}
 * Map<?, ?> back = (Map<?, ?>) Json.parse(json);    // {name=conv2d, shape=[8, 64, 32, 32]}, numbers as Long
 * }</pre>
 */
public final class Json {
    /**
     * The JSON {@code null} value, as {@link #parse} returns it: distinct from Java {@code null}, so that
     * {@code map.get(key)} tells a JSON {@code null} member from a missing one.
     */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };
    static final int MAX_DEPTH = 64;

    private Json() {
    }

    /** A syntax error, with the character position where it was found ({@code "... at character 7"}). */
    public static final class ParseException extends Exception {
        private static final long serialVersionUID = 1L;

        ParseException(String message) {
            super(message);
        }
    }

    /**
     * Parses one JSON value that spans all of {@code text} (surrounding whitespace allowed).
     *
     * @throws ParseException if {@code text} is not strict JSON; the message says what was expected and where
     */
    public static Object parse(String text) throws ParseException {
        return JsonParser.parse(text);
    }

    /**
     * {@code value} as pretty-printed JSON without a trailing newline: two-space indentation, {@code "key": value},
     * and arrays of scalars on one line ({@code [8, 64, 32, 32]}).
     *
     * @throws IllegalArgumentException if {@code value} holds something other than the types listed above
     */
    public static String write(Object value) {
        return JsonOutput.write(value, true);
    }

    /**
     * {@code value} as JSON on one line, without optional spaces ({@code {"step":100,"loss":0.125}}), by the same
     * rules as {@link #write}; one line of a JSON-lines file.
     *
     * @throws IllegalArgumentException if {@code value} holds something other than the types listed above
     */
    public static String writeCompact(Object value) {
        return JsonOutput.write(value, false);
    }

    // ---------------------------------------------------------------- for the safetensors classes

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

    /**
     * Appends {@code value} as a JSON string literal for a safetensors header: escapes quotes, backslashes and
     * control characters only, as the reference writer does, so that headers stay byte-identical to its own.
     */
    static void writeString(StringBuilder out, String value) {
        JsonOutput.string(out, value, false);
    }
}
