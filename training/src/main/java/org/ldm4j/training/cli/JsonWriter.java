package org.ldm4j.training.cli;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/**
 * A small JSON writer for reports: maps (keys as strings, in iteration order), lists and arrays, strings,
 * numbers, booleans and null, pretty-printed with two-space indentation. Non-finite numbers, which JSON cannot
 * represent, are written as {@code null}. Strings are escaped as RFC 8259 requires (quote, backslash, control
 * characters), and so are U+2028/U+2029 and unpaired surrogates, so the output is valid UTF-8 JSON that
 * JavaScript can embed too.
 *
 * <pre>{@code
 * String json = JsonWriter.write(Map.of("name", "conv2d", "median_ms", 5.93, "shape", List.of(8, 64, 32, 32)));
 * }</pre>
 */
public final class JsonWriter {
    private static final String INDENT = "  ";
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonWriter() {
    }

    /** {@code value} as pretty-printed JSON (no trailing newline). */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder();
        value(value, out, 0);
        return out.toString();
    }

    /** {@code s} as a JSON string literal, quotes included. */
    public static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2);
        string(s, out);
        return out.toString();
    }

    private static void value(Object v, StringBuilder out, int depth) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof CharSequence || v instanceof Character || v instanceof Enum<?>) {
            string(v.toString(), out);
        } else if (v instanceof Boolean) {
            out.append(v);
        } else if (v instanceof Number n) {
            number(n, out);
        } else if (v instanceof Map<?, ?> m) {
            object(m, out, depth);
        } else if (v instanceof Collection<?> c) {
            array(c.iterator(), c.isEmpty(), out, depth);
        } else if (v.getClass().isArray()) {
            int n = Array.getLength(v);
            array(new Iterator<>() {
                private int i;

                @Override
                public boolean hasNext() {
                    return i < n;
                }

                @Override
                public Object next() {
                    return Array.get(v, i++);
                }
            }, n == 0, out, depth);
        } else {
            throw new IllegalArgumentException("json: cannot write a " + v.getClass().getName()
                    + "; use maps, lists, arrays, strings, numbers, booleans or null");
        }
    }

    private static void object(Map<?, ?> m, StringBuilder out, int depth) {
        if (m.isEmpty()) {
            out.append("{}");
            return;
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            out.append(first ? "\n" : ",\n");
            first = false;
            indent(out, depth + 1);
            string(String.valueOf(e.getKey()), out);
            out.append(": ");
            value(e.getValue(), out, depth + 1);
        }
        out.append('\n');
        indent(out, depth);
        out.append('}');
    }

    /** Lists of scalars stay on one line ({@code [8, 64, 32, 32]}); lists holding maps or lists break. */
    private static void array(Iterator<?> it, boolean empty, StringBuilder out, int depth) {
        if (empty) {
            out.append("[]");
            return;
        }
        StringBuilder flat = new StringBuilder("[");
        StringBuilder broken = new StringBuilder("[");
        boolean nested = false;
        boolean first = true;
        while (it.hasNext()) {
            Object v = it.next();
            nested |= v instanceof Map<?, ?> || v instanceof Collection<?> || (v != null && v.getClass().isArray());
            flat.append(first ? "" : ", ");
            broken.append(first ? "\n" : ",\n");
            first = false;
            indent(broken, depth + 1);
            int mark = broken.length();
            value(v, broken, depth + 1);
            flat.append(broken, mark, broken.length());
        }
        if (nested) {
            broken.append('\n');
            indent(broken, depth);
            out.append(broken).append(']');
        } else {
            out.append(flat).append(']');
        }
    }

    private static void number(Number n, StringBuilder out) {
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

    private static void string(String s, StringBuilder out) {
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
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
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

    private static void indent(StringBuilder out, int depth) {
        for (int i = 0; i < depth; i++) {
            out.append(INDENT);
        }
    }
}
