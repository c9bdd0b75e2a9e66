package org.ldm4j.core.backend;

import com.sun.jna.Library;
import com.sun.jna.Native;

/** The three C library calls the backend tunes the process with (through JNA); each fails soft. */
final class LibC {
    private LibC() {
    }

    /** The C library's functions that we call. */
    public interface C extends Library {
        int setenv(String name, String value, int overwrite);

        String getenv(String name);

        int mallopt(int param, int value);
    }

    private static volatile C lib;
    private static volatile boolean unavailable;

    private static C lib() {
        if (lib == null && !unavailable) {
            try {
                lib = Native.loadLibrary("c", C.class);
            } catch (LinkageError | RuntimeException e) {
                unavailable = true;
            }
        }
        return lib;
    }

    /** Sets a variable in the process environment that native libraries read (not in Java's copy of it). */
    static boolean setenv(String name, String value) {
        C c = lib();
        return c != null && c.setenv(name, value, 0) == 0;
    }

    /** The process environment's value, as native libraries see it, or null. */
    static String getenv(String name) {
        C c = lib();
        return c == null ? System.getenv(name) : c.getenv(name);
    }

    /** glibc's mallopt; false where it is unavailable or refuses. */
    static boolean mallopt(int param, int value) {
        C c = lib();
        try {
            return c != null && c.mallopt(param, value) == 1;
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }
}
