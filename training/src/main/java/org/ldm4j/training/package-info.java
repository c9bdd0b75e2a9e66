/**
 * Training: the trainers, checkpoints, datasets and distributed training of ldm4j, and its command line
 * ({@link org.ldm4j.training.cli}).
 *
 * <pre>{@code
 * $ ./ldm4j --help
 * }</pre>
 */
package org.ldm4j.training;
