/**
 * The {@code ldm4j} command line (picocli): {@link org.ldm4j.training.cli.Main} and its subcommands. Results go to
 * stdout (JSON, written by {@link org.ldm4j.core.io.Json}), progress and logs to stderr.
 *
 * <pre>{@code
 * $ ./ldm4j --help
 * $ ./ldm4j bench ops --quick                      # a smoke run of the op benchmark
 * $ ./ldm4j bench ops --out runs/bench-ops.json    # the full benchmark, a few minutes
 * }</pre>
 */
package org.ldm4j.training.cli;
