/**
 * Checkpoint files: the safetensors format (read lazily through memory mappings, written atomically),
 * PyTorch's {@code torch.save} files read with a pickle interpreter that executes nothing
 * ({@link org.ldm4j.core.io.TorchCheckpoint} whole, {@link org.ldm4j.core.io.TorchArchive} one tensor at a time), and
 * {@link org.ldm4j.core.io.StateDict}, the named tensors and metadata of a checkpoint.
 *
 * <pre>{@code
 * StateDict vae = StateDict.read(Path.of("ldm.safetensors")).stripPrefix("first_stage_model.");
 * try (SafeTensorsReader r = SafeTensors.open(Path.of("ldm.safetensors"))) {
 *     for (TensorInfo t : r.infos()) {
 *         System.out.println(t);                     // model.diffusion_model.out.2.weight F32 [4, 320, 3, 3] [...)
 *     }
 * }
 * SafeTensors.write(Path.of("out.safetensors"), vae.tensors(), Map.of("format", "pt"));
 * }</pre>
 */
package org.ldm4j.core.io;
