package org.ldm4j.core.io;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ldm4j.core.io.PickleReader.Tuple;

/**
 * How pickle values and opcodes read in messages: bounded Python-like text of a value (safe for deep or cyclic
 * containers), Python type names, and the pickletools names of opcodes with why a refused one is refused.
 *
 * <pre>{@code
 * PickleText.repr(Tuple.of("storage", 3L));   // ('storage', 3)
 * PickleText.opName('i');                     // INST
 * }</pre>
 */
final class PickleText {
    private PickleText() {
    }

    /** Why the opcode byte {@code op} is not read. */
    static String refusal(int op) {
        String hex = String.format("0x%02x", op);
        return switch (op) {
            case 'i', 'o' -> "opcode " + opName(op) + " (" + hex + ") is refused: it imports a class by name and "
                    + "calls it, which this reader never does";
            case 0x82, 0x83, 0x84 -> "opcode " + opName(op) + " (" + hex + ") is refused: it imports a global from "
                    + "the copyreg extension registry";
            case 0x97, 0x98 -> "opcode " + opName(op) + " (" + hex + ") is refused: out-of-band buffers are not "
                    + "part of a checkpoint";
            default -> opName(op).startsWith("0x")
                    ? "unknown opcode " + hex + ": not a pickle of protocol 2 to 5, or corrupt"
                    : "opcode " + opName(op) + " (" + hex + ") of pickle protocols 0/1 is not supported (torch.save "
                            + "writes protocol 2)";
        };
    }

    /** Python-like text of a value for messages, cut at depth 3 and about 200 characters. */
    static String repr(Object v) {
        StringBuilder sb = new StringBuilder();
        repr(v, sb, 0);
        return sb.length() > 200 ? sb.substring(0, 200) + "..." : sb.toString();
    }

    private static void repr(Object v, StringBuilder sb, int depth) {
        if (sb.length() > 200) {
            return;
        }
        if (v instanceof Tuple || v instanceof List<?> || v instanceof Set<?> || v instanceof Map<?, ?>) {
            String open = v instanceof Tuple ? "(" : v instanceof List<?> ? "[" : "{";
            String close = v instanceof Tuple ? ")" : v instanceof List<?> ? "]" : "}";
            sb.append(open);
            if (depth >= 3) {
                sb.append("...");
            } else if (v instanceof Map<?, ?> m) {
                String sep = "";
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    sb.append(sep);
                    repr(e.getKey(), sb, depth + 1);
                    sb.append(": ");
                    repr(e.getValue(), sb, depth + 1);
                    sep = ", ";
                    if (sb.length() > 200) {
                        break;
                    }
                }
            } else {
                Iterable<?> items = v instanceof Tuple t ? t.items() : (Iterable<?>) v;
                String sep = "";
                int n = 0;
                for (Object x : items) {
                    sb.append(sep);
                    repr(x, sb, depth + 1);
                    sep = ", ";
                    n++;
                    if (sb.length() > 200) {
                        break;
                    }
                }
                if (v instanceof Tuple && n == 1) {
                    sb.append(',');
                }
            }
            sb.append(close);
        } else if (v instanceof String str) {
            sb.append('\'').append(str.length() > 80 ? str.substring(0, 80) + "..." : str).append('\'');
        } else if (v instanceof byte[] b) {
            sb.append("b<").append(b.length).append(" bytes>");
        } else if (v == null) {
            sb.append("None");
        } else if (v instanceof Boolean bool) {
            sb.append(bool ? "True" : "False");
        } else {
            sb.append(v);
        }
    }

    static String typeName(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof Tuple) {
            return "tuple";
        }
        if (v instanceof Map<?, ?>) {
            return "dict";
        }
        if (v instanceof List<?>) {
            return "list";
        }
        if (v instanceof String) {
            return "str";
        }
        if (v instanceof Long || v instanceof BigInteger) {
            return "int";
        }
        return v.getClass().getSimpleName();
    }

    /** The pickletools name of an opcode, or its hex value for bytes that are no opcode. */
    static String opName(int op) {
        return switch (op) {
            case 'i' -> "INST";
            case 'o' -> "OBJ";
            case 0x82 -> "EXT1";
            case 0x83 -> "EXT2";
            case 0x84 -> "EXT4";
            case 0x97 -> "NEXT_BUFFER";
            case 0x98 -> "READONLY_BUFFER";
            case 'I' -> "INT";
            case 'L' -> "LONG";
            case 'F' -> "FLOAT";
            case 'S' -> "STRING";
            case 'V' -> "UNICODE";
            case 'p' -> "PUT";
            case 'g' -> "GET";
            case 'P' -> "PERSID";
            case 'd' -> "DICT";
            case 'l' -> "LIST";
            case 0x80 -> "PROTO";
            case 0x95 -> "FRAME";
            case 0x8a -> "LONG1";
            case 0x8b -> "LONG4";
            case 0x8c -> "SHORT_BINUNICODE";
            case 0x8d -> "BINUNICODE8";
            case 0x8e -> "BINBYTES8";
            case 0x96 -> "BYTEARRAY8";
            case 'G' -> "BINFLOAT";
            case 'X' -> "BINUNICODE";
            case 'T' -> "BINSTRING";
            case 'U' -> "SHORT_BINSTRING";
            case 'B' -> "BINBYTES";
            case 'C' -> "SHORT_BINBYTES";
            case 'q' -> "BINPUT";
            case 'r' -> "LONG_BINPUT";
            case 'h' -> "BINGET";
            case 'j' -> "LONG_BINGET";
            case 'J' -> "BININT";
            case 'K' -> "BININT1";
            case 'M' -> "BININT2";
            default -> String.format("0x%02x", op);
        };
    }
}
