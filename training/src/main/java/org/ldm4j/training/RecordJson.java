package org.ldm4j.training;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Configuration records to JSON-ready maps and back, by their components: numbers, booleans, strings, enums,
 * lists of those and nested records. Checkpoints store the configs that rebuild their models this way
 * (UNetConfig, AutoencoderConfig, ...); reading back goes through the record's canonical constructor, so its
 * validation applies, and a missing or mistyped field is an error naming it.
 *
 * <pre>{@code
 * Map<String, Object> m = RecordJson.toMap(unetConfig);
 * String text = Json.write(m);
 * UNetConfig back = RecordJson.fromMap(UNetConfig.class, (Map<String, Object>) Json.parse(text), "unet");
 * }</pre>
 */
public final class RecordJson {
    private RecordJson() {
    }

    /** The record's components by name, in declaration order. */
    public static Map<String, Object> toMap(Record r) {
        if (r == null) {
            throw new IllegalArgumentException("record: expected a record, got null");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            try {
                m.put(c.getName(), toJson(c.getAccessor().invoke(r)));
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + r.getClass().getSimpleName() + "." + c.getName(), e);
            }
        }
        return m;
    }

    private static Object toJson(Object v) {
        if (v instanceof Record rec) {
            return toMap(rec);
        }
        if (v instanceof Enum<?> e) {
            return e.name();
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) {
                out.add(toJson(o));
            }
            return out;
        }
        return v;
    }

    /**
     * The record of type {@code type} that {@link #toMap} described; {@code path} names the map in errors
     * ("unet" gives "unet.modelChannels: expected an integer, got ...").
     */
    public static <R extends Record> R fromMap(Class<R> type, Map<?, ?> map, String path) {
        if (map == null) {
            throw new IllegalArgumentException(path + ": expected an object of " + type.getSimpleName() + " fields, got null");
        }
        RecordComponent[] comps = type.getRecordComponents();
        Class<?>[] types = new Class<?>[comps.length];
        Object[] args = new Object[comps.length];
        for (int i = 0; i < comps.length; i++) {
            types[i] = comps[i].getType();
            String name = comps[i].getName();
            if (!map.containsKey(name)) {
                throw new IllegalArgumentException(path + "." + name + ": expected a value, got none");
            }
            args[i] = fromJson(comps[i].getType(), comps[i].getGenericType(), map.get(name), path + "." + name);
        }
        for (Object key : map.keySet()) {
            boolean known = false;
            for (RecordComponent c : comps) {
                known |= c.getName().equals(key);
            }
            if (!known) {
                throw new IllegalArgumentException(path + "." + key + ": unknown field of " + type.getSimpleName());
            }
        }
        try {
            Constructor<R> ctor = type.getDeclaredConstructor(types);
            ctor.setAccessible(true);
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw new IllegalArgumentException(path + ": " + re.getMessage(), re);
            }
            throw new IllegalStateException("cannot build " + type.getSimpleName(), cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + type.getSimpleName(), e);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object fromJson(Class<?> type, Type generic, Object v, String path) {
        if (type == int.class || type == Integer.class) {
            return (int) integral(v, path, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        if (type == long.class || type == Long.class) {
            return integral(v, path, Long.MIN_VALUE, Long.MAX_VALUE);
        }
        if (type == double.class || type == Double.class) {
            if (v instanceof Number n) {
                return n.doubleValue();
            }
            if (v instanceof String s && (s.equals("NaN") || s.endsWith("Infinity"))) {
                return Double.parseDouble(s);
            }
            throw wrong(path, "a number", v);
        }
        if (type == boolean.class || type == Boolean.class) {
            if (v instanceof Boolean b) {
                return b;
            }
            throw wrong(path, "true or false", v);
        }
        if (type == String.class) {
            if (v instanceof String s) {
                return s;
            }
            throw wrong(path, "a string", v);
        }
        if (type.isEnum()) {
            for (Object c : type.getEnumConstants()) {
                if (((Enum<?>) c).name().equals(v) || ((Enum<?>) c).name().equalsIgnoreCase(String.valueOf(v))) {
                    return c;
                }
            }
            List<String> names = new ArrayList<>();
            for (Object c : type.getEnumConstants()) {
                names.add(((Enum<?>) c).name().toLowerCase(Locale.ROOT));
            }
            throw wrong(path, "one of " + names, v);
        }
        if (type.isRecord()) {
            if (v instanceof Map<?, ?> m) {
                return fromMap((Class<Record>) type, m, path);
            }
            throw wrong(path, "an object", v);
        }
        if (type == List.class) {
            if (!(v instanceof List<?> l)) {
                throw wrong(path, "a list", v);
            }
            Type elem = generic instanceof ParameterizedType p ? p.getActualTypeArguments()[0] : Object.class;
            Class<?> elemClass = elem instanceof Class<?> c ? c : Object.class;
            List<Object> out = new ArrayList<>(l.size());
            for (int i = 0; i < l.size(); i++) {
                out.add(elemClass == Object.class ? l.get(i) : fromJson(elemClass, elem, l.get(i), path + "[" + i + "]"));
            }
            return List.copyOf((List) out);
        }
        throw new IllegalStateException(path + ": fields of type " + type.getSimpleName() + " are not supported");
    }

    private static long integral(Object v, String path, long min, long max) {
        if (v instanceof Number n) {
            double d = n.doubleValue();
            long l = n.longValue();
            if ((n instanceof Double || n instanceof Float) && d != Math.rint(d)) {
                throw wrong(path, "an integer", v);
            }
            if (l < min || l > max) {
                throw wrong(path, "an integer in [" + min + ", " + max + "]", v);
            }
            return l;
        }
        throw wrong(path, "an integer", v);
    }

    private static IllegalArgumentException wrong(String path, String expected, Object got) {
        return new IllegalArgumentException(path + ": expected " + expected + ", got "
                + (got instanceof String ? "\"" + got + "\"" : String.valueOf(got)));
    }
}
