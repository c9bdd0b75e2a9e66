package org.ldm4j.core.io;

import static org.ldm4j.core.io.PickleText.opName;
import static org.ldm4j.core.io.PickleText.repr;
import static org.ldm4j.core.io.PickleText.typeName;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle interpreter for the binary protocols 2 to 5, written from the protocol's definition (CPython's
 * {@code pickletools} documents every opcode). It builds plain Java values and hands everything that could run
 * code to a {@link Resolver}: which globals exist, what "calling" one means, and persistent ids. The reader
 * itself never loads a class, calls a method or evaluates anything named in the data.
 *
 * <p>Values: {@code None} is {@code null}; int is {@code Long} (or {@code BigInteger} past 64 bits); float is
 * {@code Double}; bool is {@code Boolean}; str is {@code String}; bytes and bytearray are {@code byte[]}; list is
 * an {@code ArrayList}; tuple is a {@link Tuple}; dict is a {@code LinkedHashMap} (insertion order, as Python);
 * set and frozenset are a {@code LinkedHashSet}. The memo holds references, so a value fetched twice (BINGET) is
 * the same Java object twice.
 *
 * <p>Opcodes of protocols 0 and 1 that protocol 2 writers do not use (text ints, PUT/GET, DICT/LIST) and the
 * opcodes that import and call by name themselves ({@code INST}, {@code OBJ}, {@code EXT1/2/4}) are refused with
 * an {@link UnsafePickleException} naming the opcode, as are unknown bytes and out-of-band buffers.
 *
 * <pre>{@code
 * Object root = PickleReader.read(file, "archive/data.pkl", bytes, resolver);
 * }</pre>
 */
final class PickleReader {
    /** What the data may refer to by name; every method may refuse with an IOException. */
    interface Resolver {
        /** The value of {@code GLOBAL module name}: an allowed marker, or an {@link UnsafePickleException}. */
        Object global(String module, String name, int at) throws IOException;

        /** {@code REDUCE}: what {@code callable(*args)} means, without calling anything from the file. */
        Object reduce(Object callable, Tuple args, int at) throws IOException;

        /** {@code NEWOBJ}/{@code NEWOBJ_EX}: {@code cls.__new__(cls, *args)}; {@code kwargs} is null for NEWOBJ. */
        Object newObject(Object cls, Tuple args, Map<Object, Object> kwargs, int at) throws IOException;

        /** {@code BUILD}: set {@code state} on {@code target}. */
        void build(Object target, Object state, int at) throws IOException;

        /** {@code BINPERSID}: the object a persistent id stands for. */
        Object persistentLoad(Object pid, int at) throws IOException;
    }

    /** An object other than a list or dict that accepts SETITEM and APPEND (the resolver's placeholders). */
    interface Container {
        void setItem(Object key, Object value);

        void append(Object value);
    }

    /** An immutable Python tuple; may hold nulls (None). */
    record Tuple(List<Object> items) {
        static final Tuple EMPTY = new Tuple(List.of());

        static Tuple of(Object... items) {
            return new Tuple(Collections.unmodifiableList(Arrays.asList(items)));
        }

        int size() {
            return items.size();
        }

        Object get(int i) {
            return items.get(i);
        }

        /** A bounded rendering (see {@link PickleReader#repr}): safe for deep or cyclic contents. */
        @Override
        public String toString() {
            return repr(this);
        }
    }

    private static final int HIGHEST_PROTOCOL = 5;

    private final Path file;
    private final String entry;
    private final byte[] data;
    private final Resolver resolver;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();     // stack sizes at each MARK
    private final Map<Long, Object> memo = new HashMap<>();
    private int pos;
    private int opStart;

    private PickleReader(Path file, String entry, byte[] data, Resolver resolver) {
        this.file = file;
        this.entry = entry;
        this.data = data;
        this.resolver = resolver;
    }

    /** Runs the pickle in {@code data} (the zip entry {@code entry} of {@code file}) and returns its value. */
    static Object read(Path file, String entry, byte[] data, Resolver resolver) throws IOException {
        return new PickleReader(file, entry, data, resolver).run();
    }

    /** A position in the pickle, for messages: {@code "archive/data.pkl byte 12"}. */
    static String where(String entry, int at) {
        return entry + " byte " + at;
    }

    private Object run() throws IOException {
        while (pos < data.length) {
            opStart = pos;
            int op = u8();
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = u8();
                    if (v > HIGHEST_PROTOCOL) {
                        throw error("pickle protocol " + v + " is newer than " + HIGHEST_PROTOCOL);
                    }
                }
                case 0x95 -> { // FRAME: a length prefix for buffered reading; the bytes are read as they come
                    long n = s64();
                    if (n < 0 || n > data.length - pos) {
                        throw truncated("FRAME of " + Long.toUnsignedString(n) + " bytes");
                    }
                }
                case '.' -> { // STOP
                    return pop("STOP");
                }
                case '(' -> marks.add(stack.size());                                   // MARK
                case '}' -> stack.add(new LinkedHashMap<Object, Object>());            // EMPTY_DICT
                case ']' -> stack.add(new ArrayList<Object>());                        // EMPTY_LIST
                case ')' -> stack.add(Tuple.EMPTY);                                    // EMPTY_TUPLE
                case 0x8f -> stack.add(new LinkedHashSet<Object>());                   // EMPTY_SET
                case 0x85 -> stack.add(Tuple.of(pop("TUPLE1")));                       // TUPLE1
                case 0x86 -> {                                                         // TUPLE2
                    Object b = pop("TUPLE2");
                    stack.add(Tuple.of(pop("TUPLE2"), b));
                }
                case 0x87 -> {                                                         // TUPLE3
                    Object c = pop("TUPLE3");
                    Object b = pop("TUPLE3");
                    stack.add(Tuple.of(pop("TUPLE3"), b, c));
                }
                case 't' -> stack.add(new Tuple(Collections.unmodifiableList(popMark("TUPLE"))));
                case 0x91 -> {                                                         // FROZENSET
                    List<Object> items = popMark("FROZENSET");
                    checkHashable(items);
                    stack.add(Collections.unmodifiableSet(new LinkedHashSet<>(items)));
                }
                case 's' -> {                                                          // SETITEM
                    Object value = pop("SETITEM");
                    Object key = pop("SETITEM");
                    setItem(peek("SETITEM"), key, value);
                }
                case 'u' -> {                                                          // SETITEMS
                    List<Object> kv = popMark("SETITEMS");
                    if (kv.size() % 2 != 0) {
                        throw error("SETITEMS with an odd number (" + kv.size() + ") of keys and values");
                    }
                    Object target = peek("SETITEMS");
                    for (int i = 0; i < kv.size(); i += 2) {
                        setItem(target, kv.get(i), kv.get(i + 1));
                    }
                }
                case 'a' -> {                                                          // APPEND
                    Object value = pop("APPEND");
                    append(peek("APPEND"), value);
                }
                case 'e' -> {                                                          // APPENDS
                    List<Object> items = popMark("APPENDS");
                    Object target = peek("APPENDS");
                    for (Object v : items) {
                        append(target, v);
                    }
                }
                case 0x90 -> {                                                         // ADDITEMS
                    List<Object> items = popMark("ADDITEMS");
                    Object target = peek("ADDITEMS");
                    if (!(target instanceof LinkedHashSet<?>)) {
                        throw error("ADDITEMS on a " + typeName(target) + ", expected a set");
                    }
                    checkHashable(items);
                    @SuppressWarnings("unchecked")
                    Set<Object> set = (Set<Object>) target;
                    set.addAll(items);
                }
                case 'J' -> stack.add((long) s32());                                   // BININT
                case 'K' -> stack.add((long) u8());                                    // BININT1
                case 'M' -> stack.add((long) (u8() | u8() << 8));                      // BININT2
                case 0x8a -> stack.add(longN(u8()));                                   // LONG1
                case 0x8b -> {                                                         // LONG4
                    int n = s32();
                    if (n < 0) {
                        throw error("LONG4 with negative length " + n);
                    }
                    stack.add(longN(n));
                }
                case 'G' -> {                                                          // BINFLOAT: big-endian
                    long bits = 0;
                    for (byte b : bytes(8)) {
                        bits = bits << 8 | (b & 0xFF);
                    }
                    stack.add(Double.longBitsToDouble(bits));
                }
                case 0x8c -> stack.add(utf8(bytes(u8())));                             // SHORT_BINUNICODE
                case 'X' -> stack.add(utf8(bytes(u32())));                             // BINUNICODE
                case 0x8d -> stack.add(utf8(bytes(u64())));                            // BINUNICODE8
                case 'U' -> stack.add(utf8(bytes(u8())));                              // SHORT_BINSTRING (Py2 str)
                case 'T' -> stack.add(utf8(bytes(s32())));                             // BINSTRING (Py2 str)
                case 'C' -> stack.add(bytes(u8()));                                    // SHORT_BINBYTES
                case 'B' -> stack.add(bytes(u32()));                                   // BINBYTES
                case 0x8e, 0x96 -> stack.add(bytes(u64()));                            // BINBYTES8, BYTEARRAY8
                case 'N' -> stack.add(null);                                           // NONE
                case 0x88 -> stack.add(Boolean.TRUE);                                  // NEWTRUE
                case 0x89 -> stack.add(Boolean.FALSE);                                 // NEWFALSE
                case 'q' -> put(u8());                                                 // BINPUT
                case 'r' -> put(u32());                                                // LONG_BINPUT
                case 0x94 -> put(memo.size());                                         // MEMOIZE
                case 'h' -> get(u8());                                                 // BINGET
                case 'j' -> get(u32());                                                // LONG_BINGET
                case '0' -> {                                                          // POP
                    if (!marks.isEmpty() && stack.size() == marks.get(marks.size() - 1)) {
                        popMark("POP");
                    } else {
                        pop("POP");
                    }
                }
                case '1' -> popMark("POP_MARK");                                       // POP_MARK
                case '2' -> stack.add(peek("DUP"));                                    // DUP
                case 'c' -> {                                                          // GLOBAL
                    int at = opStart;
                    String module = line();
                    String name = line();
                    stack.add(resolver.global(module, name, at));
                }
                case 0x93 -> {                                                         // STACK_GLOBAL
                    Object name = pop("STACK_GLOBAL");
                    Object module = pop("STACK_GLOBAL");
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw error("STACK_GLOBAL expects two strings, got " + typeName(module) + " and "
                                + typeName(name));
                    }
                    stack.add(resolver.global(m, n, opStart));
                }
                case 'R' -> {                                                          // REDUCE
                    Tuple args = tuple(pop("REDUCE"), "REDUCE");
                    Object callable = pop("REDUCE");
                    stack.add(resolver.reduce(callable, args, opStart));
                }
                case 0x81 -> {                                                         // NEWOBJ
                    Tuple args = tuple(pop("NEWOBJ"), "NEWOBJ");
                    Object cls = pop("NEWOBJ");
                    stack.add(resolver.newObject(cls, args, null, opStart));
                }
                case 0x92 -> {                                                         // NEWOBJ_EX
                    Object kwargs = pop("NEWOBJ_EX");
                    Tuple args = tuple(pop("NEWOBJ_EX"), "NEWOBJ_EX");
                    Object cls = pop("NEWOBJ_EX");
                    if (!(kwargs instanceof Map<?, ?>)) {
                        throw error("NEWOBJ_EX expects a dict of keyword arguments, got " + typeName(kwargs));
                    }
                    @SuppressWarnings("unchecked")
                    Map<Object, Object> kw = (Map<Object, Object>) kwargs;
                    stack.add(resolver.newObject(cls, args, kw, opStart));
                }
                case 'b' -> {                                                          // BUILD
                    Object state = pop("BUILD");
                    resolver.build(peek("BUILD"), state, opStart);
                }
                case 'Q' -> stack.add(resolver.persistentLoad(pop("BINPERSID"), opStart)); // BINPERSID
                default -> throw refused(op);
            }
        }
        opStart = pos;
        throw truncated("the pickle ends without STOP");
    }

    // ---------------------------------------------------------------- containers, memo, stack

    private void setItem(Object target, Object key, Object value) throws IOException {
        if (!isHashable(key, 0)) {
            throw error("unhashable dict key: a " + typeName(key) + " " + repr(key));
        }
        if (target instanceof LinkedHashMap<?, ?> m) {
            @SuppressWarnings("unchecked")
            Map<Object, Object> map = (Map<Object, Object>) m;
            map.put(key, value);
        } else if (target instanceof Container c) {
            c.setItem(key, value);
        } else {
            throw error("SETITEM on a " + typeName(target) + ", expected a dict");
        }
    }

    private void append(Object target, Object value) throws IOException {
        if (target instanceof ArrayList<?> l) {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) l;
            list.add(value);
        } else if (target instanceof Container c) {
            c.append(value);
        } else {
            throw error("APPEND on a " + typeName(target) + ", expected a list");
        }
    }

    /**
     * Whether {@code v} may be a dict key or set element, as in Python: not a list, dict or set, and tuples only of
     * such values. Also keeps Java's recursive {@code hashCode} away from cyclic or very deep structures.
     */
    static boolean isHashable(Object v, int depth) {
        if (v instanceof Tuple t) {
            if (depth >= 100) {
                return false;
            }
            for (Object x : t.items()) {
                if (!isHashable(x, depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        return !(v instanceof List<?> || v instanceof Map<?, ?> || v instanceof Set<?>);
    }

    private void checkHashable(List<Object> items) throws IOException {
        for (Object x : items) {
            if (!isHashable(x, 0)) {
                throw error("unhashable set element: a " + typeName(x) + " " + repr(x));
            }
        }
    }

    private void put(long index) throws IOException {
        memo.put(index, peek("PUT"));
    }

    private void get(long index) throws IOException {
        if (!memo.containsKey(index)) {
            throw error("memo entry " + index + " is read before it is written (" + memo.size() + " entries)");
        }
        stack.add(memo.get(index));
    }

    private int base() {
        return marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
    }

    private Object pop(String op) throws IOException {
        if (stack.size() <= base()) {
            throw error(op + " on an empty stack");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek(String op) throws IOException {
        if (stack.size() <= base()) {
            throw error(op + " on an empty stack");
        }
        return stack.get(stack.size() - 1);
    }

    /** The items above the topmost MARK, removing them and the mark. */
    private List<Object> popMark(String op) throws IOException {
        if (marks.isEmpty()) {
            throw error(op + " without a MARK");
        }
        int from = marks.remove(marks.size() - 1);
        List<Object> top = stack.subList(from, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private Tuple tuple(Object v, String op) throws IOException {
        if (v instanceof Tuple t) {
            return t;
        }
        throw error(op + " expects a tuple of arguments, got " + typeName(v));
    }

    // ---------------------------------------------------------------- bytes

    private int u8() throws IOException {
        if (pos >= data.length) {
            throw truncated("an argument of " + opName(data[opStart] & 0xFF) + " is cut off");
        }
        return data[pos++] & 0xFF;
    }

    private int s32() throws IOException {
        return u8() | u8() << 8 | u8() << 16 | u8() << 24;
    }

    private long u32() throws IOException {
        return s32() & 0xFFFFFFFFL;
    }

    private long s64() throws IOException {
        return u32() | u32() << 32;
    }

    /** An 8-byte length; one past the pickle's size is truncation, not an allocation. */
    private long u64() throws IOException {
        long n = s64();
        return n < 0 ? Long.MAX_VALUE : n;
    }

    private byte[] bytes(long n) throws IOException {
        if (n < 0 || n > data.length - pos) {
            throw truncated(opName(data[opStart] & 0xFF) + " announces " + n + " bytes, " + (data.length - pos)
                    + " remain");
        }
        byte[] out = Arrays.copyOfRange(data, pos, pos + (int) n);
        pos += (int) n;
        return out;
    }

    /** A newline-terminated line (GLOBAL's module and name). */
    private String line() throws IOException {
        int start = pos;
        while (pos < data.length && data[pos] != '\n') {
            pos++;
        }
        if (pos >= data.length) {
            throw truncated("GLOBAL's name is not terminated by a newline");
        }
        return new String(data, start, pos++ - start, StandardCharsets.UTF_8);
    }

    /** LONG1/LONG4: little-endian two's complement of {@code n} bytes. */
    private Object longN(int n) throws IOException {
        byte[] le = bytes(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- errors

    private TorchCheckpoint.FormatException error(String detail) {
        return new TorchCheckpoint.FormatException(file, null, where(entry, opStart) + ": " + detail);
    }

    private TorchCheckpoint.FormatException truncated(String detail) {
        return new TorchCheckpoint.FormatException(file, null, where(entry, opStart) + ": " + detail
                + " (" + data.length + " bytes in all): the file is truncated or corrupt");
    }

    private UnsafePickleException refused(int op) {
        return new UnsafePickleException(file, null, op, where(entry, opStart) + ": " + PickleText.refusal(op));
    }
}
