package org.ldm4j.training.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The reference's {@code target} class names ldm4j maps, per section (package-private; errors list them). */
final class Targets {
    private Targets() {
    }

    static final String LATENT_DIFFUSION = "ldm.models.diffusion.ddpm.LatentDiffusion";
    static final String AUTOENCODER_KL = "ldm.models.autoencoder.AutoencoderKL";
    static final String VQ_MODEL = "ldm.models.autoencoder.VQModel";
    static final String VQ_MODEL_INTERFACE = "ldm.models.autoencoder.VQModelInterface";
    static final String UNET = "ldm.modules.diffusionmodules.openaimodel.UNetModel";
    static final String IDENTITY = "torch.nn.Identity";
    static final String DUMMY_LOSS = "ldm.modules.losses.contperceptual.DummyLoss";
    static final String KL_LOSS = "ldm.modules.losses.LPIPSWithDiscriminator";
    static final String KL_LOSS_FULL = "ldm.modules.losses.contperceptual.LPIPSWithDiscriminator";
    static final String VQ_LOSS = "taming.modules.losses.vqperceptual.VQLPIPSWithDiscriminator";
    static final String VQ_LOSS_LDM = "ldm.modules.losses.vqperceptual.VQLPIPSWithDiscriminator";
    static final String CLASS_EMBEDDER = "ldm.modules.encoders.modules.ClassEmbedder";
    static final String TRANSFORMER_EMBEDDER = "ldm.modules.encoders.modules.TransformerEmbedder";
    static final String BERT_EMBEDDER = "ldm.modules.encoders.modules.BERTEmbedder";
    static final String CLIP_EMBEDDER = "ldm.modules.encoders.modules.FrozenCLIPEmbedder";
    static final String SPATIAL_RESCALER = "ldm.modules.encoders.modules.SpatialRescaler";
    static final String DATA_MODULE = "main.DataModuleFromConfig";
    static final String LAMBDA_LINEAR = "ldm.lr_scheduler.LambdaLinearScheduler";
    static final String WARM_UP_COSINE = "ldm.lr_scheduler.LambdaWarmUpCosineScheduler";
    static final String UNCONDITIONAL = "__is_unconditional__";
    static final String FIRST_STAGE = "__is_first_stage__";
    static final String CLIP_L14 = "openai/clip-vit-large-patch14";

    /** What a section's target is. */
    enum Kind {
        LATENT_DIFFUSION, KL, VQ, UNET, NO_LOSS, KL_LOSS, VQ_LOSS, VQ_LOSS_LDM, CLASS_EMBEDDER, TRANSFORMER, BERT,
        CLIP, RESCALER, IDENTITY, DATA_MODULE, LAMBDA_LINEAR, WARM_UP_COSINE
    }

    static final Map<String, Kind> MODEL = map(LATENT_DIFFUSION, Kind.LATENT_DIFFUSION, AUTOENCODER_KL, Kind.KL,
            VQ_MODEL, Kind.VQ);
    static final Map<String, Kind> FIRST_STAGE_MODEL = map(AUTOENCODER_KL, Kind.KL, VQ_MODEL_INTERFACE, Kind.VQ);
    static final Map<String, Kind> UNET_MODEL = map(UNET, Kind.UNET);
    static final Map<String, Kind> LOSS = map(IDENTITY, Kind.NO_LOSS, DUMMY_LOSS, Kind.NO_LOSS, KL_LOSS,
            Kind.KL_LOSS, KL_LOSS_FULL, Kind.KL_LOSS, VQ_LOSS, Kind.VQ_LOSS, VQ_LOSS_LDM, Kind.VQ_LOSS_LDM);
    static final Map<String, Kind> COND_STAGE = map(CLASS_EMBEDDER, Kind.CLASS_EMBEDDER, TRANSFORMER_EMBEDDER,
            Kind.TRANSFORMER, BERT_EMBEDDER, Kind.BERT, CLIP_EMBEDDER, Kind.CLIP, SPATIAL_RESCALER, Kind.RESCALER,
            IDENTITY, Kind.IDENTITY);
    static final Map<String, Kind> DATA = map(DATA_MODULE, Kind.DATA_MODULE);
    static final Map<String, Kind> SCHEDULER = map(LAMBDA_LINEAR, Kind.LAMBDA_LINEAR, WARM_UP_COSINE,
            Kind.WARM_UP_COSINE);

    private static Map<String, Kind> map(Object... kv) {
        Map<String, Kind> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (Kind) kv[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * The kind of the section's required {@code target}:
     * {@code ...target: unsupported target "X"; ldm4j supports [A, B]}.
     */
    static Kind of(MapReader section, Map<String, Kind> supported) {
        ConfigNode n = section.require("target", "a class name, one of " + supported.keySet());
        String name = MapReader.toStr(n);
        Kind k = supported.get(name);
        if (k == null) {
            throw ConfigException.at(n, "unsupported target \"" + name + "\"; ldm4j supports " + supported.keySet());
        }
        return k;
    }

    /** The section's {@code params} (an empty map when absent, as the reference's {@code config.get("params", {})}). */
    static MapReader params(MapReader section) {
        ConfigNode p = section.get("params");
        if (p == null || p instanceof ConfigNode.ScalarNode s && s.isNull()) {
            return MapReader.of(new ConfigNode.MapNode(ConfigNode.child(section.path(), "params"),
                    section.node().origin(), Map.of()));
        }
        return MapReader.of(p);
    }
}
