package org.ldm4j.training;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * ldm4j's version: from the build's {@code version.properties}, else the jar manifest, else "(development
 * build)". The command line reports it and checkpoints record it.
 *
 * <pre>{@code
 * String v = Version.get();      // "0.1.0-SNAPSHOT"
 * }</pre>
 */
public final class Version {
    private Version() {
    }

    public static String get() {
        try (InputStream in = Version.class.getResourceAsStream("/org/ldm4j/training/cli/version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version", "");
                if (!v.isEmpty() && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException e) {
            // fall through to the manifest
        }
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "(development build)" : v;
    }
}
