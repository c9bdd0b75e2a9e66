package org.ldm4j.core.io;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The writer behind {@link Json#write} and {@link Json#writeCompact}, and the string escaper behind
 * {@link Json#writeString}.
 *
 * <p>Pretty output indents by two spaces, writes {@code "key": value}, and keeps an array of scalars on one line
 * ({@code [8, 64, 32, 32]}) while an array that holds a map, an iterable or an array gets one element per line.
 * Compact output is one line with no optional spaces ({@code {"shape":[8,64,32,32]}}).
 *
 * <pre>{@code
 * String pretty = JsonOutput.write(Map.of("shape", List.of(8, 64)), true);    // {\n  "shape": [8, 64]\n}
 * }</pre>
 */
final class JsonOutput {
    private static final String INDENT = "  ";
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final boolean pretty;
    private final StringBuilder out = new StringBuilder();

    private JsonOutput(boolean pretty) {
        this.pretty = pretty;
    }

    /** {@code value} as JSON text: pretty-printed or on one line, without a trailing newline. */
    static String write(Object value, boolean pretty) {
        JsonOutput w = new JsonOutput(pretty);
        w.value(value, 0);
        return w.out.toString();
    }

    /**
     * Appends {@code s} as a JSON string literal. RFC 8259 requires escaping quote, backslash and U+0000 to
     * U+001F; with {@code escapeUnsafe} DEL, U+2028, U+2029 and unpaired surrogates are escaped too, so that the
     * text is valid UTF-8 that JavaScript can embed. Without it the other characters are copied as they are,
     * as the safetensors reference writer (serde_json) does, so that headers stay byte-identical to its own.
     */
    static void string(StringBuilder out, String s, boolean escapeUnsafe) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
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
                        unicodeEscape(c, out);
                    } else if (!escapeUnsafe) {
                        out.append(c);
                    } else if (c == 0x7f || c == '\u2028' || c == '\u2029') {
                        unicodeEscape(c, out);
                    } else if (Character.isHighSurrogate(c)) {
                        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                            out.append(c).append(s.charAt(++i));    // a valid pair: the character itself
                        } else {
                            unicodeEscape(c, out);
                        }
                    } else if (Character.isLowSurrogate(c)) {
                        unicodeEscape(c, out);                      // unpaired: not encodable as UTF-8
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static void unicodeEscape(char c, StringBuilder out) {
        out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf])
                .append(HEX[c & 0xf]);
    }

    // ---------------------------------------------------------------- values

    private void value(Object v, int depth) {
        if (v == null || v == Json.NULL) {
            out.append("null");
        } else if (v instanceof CharSequence || v instanceof Character || v instanceof Enum<?>) {
            string(out, v.toString(), true);
        } else if (v instanceof Boolean) {
            out.append(v);
        } else if (v instanceof Number n) {
            number(n);
        } else if (v instanceof Map<?, ?> m) {
            object(m, depth);
        } else if (v instanceof Iterable<?> it && !(v instanceof Path)) {
            List<Object> items = new ArrayList<>();
            it.forEach(items::add);
            array(items, depth);
        } else if (v.getClass().isArray()) {
            int n = Array.getLength(v);
            List<Object> items = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                items.add(Array.get(v, i));                         // boxes primitive elements
            }
            array(items, depth);
        } else {
            throw new IllegalArgumentException("json: cannot write a " + v.getClass().getName()
                    + "; use maps, iterables, arrays, strings, numbers, booleans or null"
                    + (v instanceof Path ? " (write a path as its toString())" : ""));
        }
    }

    private void object(Map<?, ?> m, int depth) {
        if (m.isEmpty()) {
            out.append("{}");
            return;
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            out.append(first ? "" : ",");
            first = false;
            newline(depth + 1);
            string(out, String.valueOf(e.getKey()), true);
            out.append(pretty ? ": " : ":");
            value(e.getValue(), depth + 1);
        }
        newline(depth);
        out.append('}');
    }

    /** Lists of scalars stay on one line ({@code [8, 64, 32, 32]}); lists holding maps or lists break. */
    private void array(List<?> items, int depth) {
        if (items.isEmpty()) {
            out.append("[]");
            return;
        }
        boolean broken = pretty && items.stream().anyMatch(JsonOutput::isContainer);
        out.append('[');
        for (int i = 0; i < items.size(); i++) {
            out.append(i == 0 ? "" : broken || !pretty ? "," : ", ");
            if (broken) {
                newline(depth + 1);
            }
            value(items.get(i), depth + 1);
        }
        if (broken) {
            newline(depth);
        }
        out.append(']');
    }

    private static boolean isContainer(Object v) {
        return v instanceof Map<?, ?> || (v instanceof Iterable<?> && !(v instanceof Path))
                || (v != null && v.getClass().isArray());
    }

    private void number(Number n) {
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            if (!Double.isFinite(d)) {
                out.append("null");
            } else if (n instanceof Float) {
                out.append(Float.toString(n.floatValue()));
            } else {
                out.append(Double.toString(d));
            }
        } else if (n instanceof BigDecimal b) {
            out.append(b.toString());
        } else if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte
                || n instanceof BigInteger) {
            out.append(n);
        } else {
            double d = n.doubleValue();     // AtomicLong, LongAdder, ...: their value
            if (!Double.isFinite(d)) {
                out.append("null");
            } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                out.append(n.longValue());
            } else {
                out.append(Double.toString(d));
            }
        }
    }

    /** In pretty output, a line break and the indentation of {@code depth}; in compact output, nothing. */
    private void newline(int depth) {
        if (pretty) {
            out.append('\n');
            for (int i = 0; i < depth; i++) {
                out.append(INDENT);
            }
        }
    }
}
