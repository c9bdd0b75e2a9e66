/**
 * Training checkpoints: {@link org.ldm4j.training.checkpoint.Checkpoint} (one training state as one safetensors
 * file, under the reference's key names), {@link org.ldm4j.training.checkpoint.CheckpointHeader} (what a file
 * holds, without loading it) and {@link org.ldm4j.training.checkpoint.CheckpointStore} (a run's directory of
 * checkpoints: crash-safe saves, keep-last-k, the latest readable one).
 *
 * <pre>{@code
 * CheckpointStore store = CheckpointStore.open(runDir.resolve("checkpoints"), 3);
 * store.save(Checkpoint.builder(step).model(ldm.stateDict()).ema(ema.state())
 *         .optimizer(Checkpoint.OPTIMIZER, adamw.stateDict()).state("rng", rng.state()).config(yaml).build());
 * Optional<CheckpointStore.Loaded> last = store.latest(s -> log(s.file() + ": " + s.reason()), Checkpoint.MODEL);
 * }</pre>
 */
package org.ldm4j.training.checkpoint;
