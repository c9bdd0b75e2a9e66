/**
 * Synchronous data-parallel training, in this process or on Apache Spark.
 *
 * <p>A trainer describes a step as a set of {@link org.ldm4j.training.distributed.TrainGroup}s (parameters with
 * their AdamW, clipping and EMA) and a {@link org.ldm4j.training.distributed.Replica} that adds the gradient of
 * any slice of the step's global batch. A {@link org.ldm4j.training.distributed.StepRunner} runs the step:
 * {@link org.ldm4j.training.distributed.LocalRunner} on the trainer's own model, {@link
 * org.ldm4j.training.distributed.SparkRunner} on Spark with the gradients reduced through the driver or through
 * the shuffle with the optimizer state sharded across partitions. Every random draw of an example comes from a
 * stream forked by its position in the global batch, so the partitioning never changes the result beyond the
 * order of float32 summation.
 */
package org.ldm4j.training.distributed;
